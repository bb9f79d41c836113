"""
### The in-house provider: submit a job to the Jobs service, then wait for it in the triggerer

`SubmitJobOperator` posts a `compact-table` job for the run's date and returns its `job_id`;
`JobCompletedSensor` defers to `JobCompletedTrigger`, which polls the job's state from the triggerer with
`asyncio.sleep` between polls, so no worker slot is held while the job runs. A job that ends `failed` fails the
sensor with the service's message. Both classes come from `airflow-provider-dataplatform` (`providers/dataplatform/`),
installed with the image and `make dev` from the lock.

**Connections:** `dataplatform_jobs_default` (type `dataplatform_jobs`: the service's base URL and API token).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag
from dataplatform_provider.operators.jobs import SubmitJobOperator
from dataplatform_provider.sensors.jobs import JobCompletedSensor


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "provider"],
    default_args={"owner": "data-platform", "retries": 1},
    doc_md=__doc__,
)
def example_dataplatform_jobs():
    # [START howto_dataplatform_jobs]
    submit = SubmitJobOperator(
        task_id="submit_compaction",
        job_name="compact-table",
        parameters={"table": "sales", "date": "{{ ds }}"},
    )
    # Deferrable: the wait costs a trigger in the triggerer, not a worker slot for the job's whole run.
    JobCompletedSensor(
        task_id="wait_for_compaction",
        job_id=submit.output,
        deferrable=True,
        poke_interval=30,
        timeout=timedelta(hours=2).total_seconds(),
    )
    # [END howto_dataplatform_jobs]


example_dataplatform_jobs()
