"""Team alpha's probe: where its task runs, and which connections its task runner can read."""

import json
import os

import pendulum
from airflow.sdk import BaseHook, dag, task


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["team:alpha"],
    default_args={"owner": "alpha", "retries": 1, "queue": "alpha"},
    doc_md=__doc__,
)
def team_alpha_probe():
    @task
    def worker_prefix() -> str:
        """The connections prefix of the worker that ran this task (each team's worker has its own)."""
        return json.loads(os.environ["AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS"])["connections_prefix"]

    @task
    def own_connection() -> str:
        """Team alpha's connection, stored under its own prefix only."""
        return BaseHook.get_connection("alpha_warehouse").host

    @task
    def other_teams_connection() -> str:
        """Team beta's connection: the lookup must not find it."""
        try:
            return BaseHook.get_connection("beta_warehouse").host
        except Exception as err:  # the test asserts on what the lookup raised
            return f"refused: {type(err).__name__}"

    worker_prefix()
    own_connection()
    other_teams_connection()


team_alpha_probe()
