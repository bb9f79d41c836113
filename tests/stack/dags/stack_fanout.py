"""200 independent no-op tasks: the fan-out that bench/stack.py times (see stack_load.py for the others)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task


@task
def noop() -> None:
    """Nothing: what is left is Airflow's own per-task overhead."""


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    default_args={"owner": "platform", "retries": 2, "retry_delay": timedelta(seconds=1)},
    doc_md=__doc__,
)
def load_fanout():
    for i in range(200):
        noop.override(task_id=f"leaf_{i:03d}")()


load_fanout()
