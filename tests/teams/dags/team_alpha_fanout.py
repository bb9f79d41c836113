"""Team alpha's fan-out: more mapped tasks than its pool has slots."""

import time

import pendulum
from airflow.sdk import dag, task

WIDTH = 6
HOLD_S = 3


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["team:alpha"],
    default_args={"owner": "alpha", "retries": 1, "queue": "alpha", "pool": "alpha_etl"},
    doc_md=__doc__,
)
def team_alpha_fanout():
    @task
    def hold(index: int) -> int:
        """Hold a pool slot long enough for the others to queue behind it."""
        time.sleep(HOLD_S)
        return index

    hold.expand(index=list(range(WIDTH)))


team_alpha_fanout()
