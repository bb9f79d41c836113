"""
### Stack probe: the provider's sensor waits in the triggerer while another trigger fires on time

`wait_for_job` defers to JobCompletedTrigger on a job the test holds open; `timer` defers to the standard provider's
DateTimeTrigger, due TIMER_S after the run was triggered. tests/patterns_e2e/test_provider_deferral.py checks that the
timer ends on time while the job trigger keeps polling.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
from airflow.sdk import dag
from dataplatform_provider.operators.jobs import SubmitJobOperator
from dataplatform_provider.sensors.jobs import JobCompletedSensor

TIMER_S = 15
POLL_INTERVAL_S = 1


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    default_args={"owner": "data-platform", "retries": 0},
    doc_md=__doc__,
)
def provider_deferral():
    submit = SubmitJobOperator(task_id="submit", job_name="compact-table", parameters={"run_id": "{{ run_id }}"})
    JobCompletedSensor(
        task_id="wait_for_job", job_id=submit.output, deferrable=True, poke_interval=POLL_INTERVAL_S, timeout=600
    )
    # end_from_trigger: the triggerer itself ends the task when the moment comes, so its end_date is the trigger's.
    TimeDeltaSensor(task_id="timer", delta=timedelta(seconds=TIMER_S), deferrable=True, end_from_trigger=True)


provider_deferral()
