"""End-to-end DAG for tests/stack: XCom between tasks, a connection and a variable from Secrets Manager.

Only the tests use it; the stack fixture points its dags folder here.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import BaseHook, Variable, dag, task


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    default_args={"owner": "platform", "retries": 1},
    doc_md=__doc__,
)
def stack_e2e():
    @task
    def produce() -> dict[str, int]:
        """An XCom for the next task."""
        return {"rows": 42}

    @task
    def consume(payload: dict[str, int]) -> str:
        """Read a connection and a variable that exist only in Secrets Manager."""
        connection = BaseHook.get_connection("warehouse")
        region = Variable.get("data_region")
        rows = payload["rows"]
        print(f"STACK-E2E host={connection.host} login={connection.login} region={region} rows={rows}")
        return f"{connection.host}/{region}/{rows}"

    consume(produce())


stack_e2e()
