"""Team beta's probe: where its task runs."""

import json
import os

import pendulum
from airflow.sdk import dag, task


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["team:beta"],
    default_args={"owner": "beta", "retries": 1, "queue": "beta"},
    doc_md=__doc__,
)
def team_beta_probe():
    @task
    def worker_prefix() -> str:
        """The connections prefix of the worker that ran this task."""
        return json.loads(os.environ["AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS"])["connections_prefix"]

    worker_prefix()


team_beta_probe()
