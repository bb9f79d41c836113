"""
### Pool-starved probe: a task that waits in the scheduler for a pool with no slots

Its pool (`starved`, 0 slots) is made by the test; the task stays scheduled, so the platform page has a task
waiting in a queue and a pool with a starving task to show.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

STARVED_POOL = "starved"


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    default_args={"owner": "data-platform", "retries": 0},
    doc_md=__doc__,
)
def observability_pool_starved():
    @task(pool=STARVED_POOL)
    def wait_for_a_slot() -> None:
        """Never gets a slot."""

    wait_for_a_slot()


observability_pool_starved()
