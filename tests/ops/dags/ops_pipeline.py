"""A daily three-task pipeline for the runbook tests: XComs, a failure on demand, something downstream of it.

`check` fails while the variable `ops_pipeline_fail` is "true", so a test can fail a run, fix the cause and clear
the failed tasks. Only tests/ops use it: their stack's dags folder holds it beside dags/maintenance_db_clean.py.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Variable, dag, task


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    default_args={"owner": "platform", "retries": 0},
    doc_md=__doc__,
)
def ops_pipeline():
    @task
    def extract() -> dict[str, int]:
        """An XCom for the next task."""
        return {"rows": 3}

    @task
    def check(payload: dict[str, int]) -> int:
        """Fail while the test says so."""
        if Variable.get("ops_pipeline_fail", default="false") == "true":
            raise RuntimeError("ops_pipeline_fail is true")
        return payload["rows"]

    @task
    def load(rows: int) -> int:
        """Downstream of the check: upstream_failed when it fails."""
        return rows

    load(check(extract()))


ops_pipeline()
