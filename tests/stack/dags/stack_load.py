"""DAGs that load the native stack: tests/stack's fault tests and bench/stack.py trigger them.

Tasks are real Python tasks (an EmptyOperator never reaches the worker), and each retries quickly, so a
measured recovery is the platform's, not a retry delay's. The 200-task fan-out has a file of its own
(stack_fanout.py): a task parses only its own file, and the others should not pay for building it.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pendulum
from airflow.sdk import chain, dag, get_current_context, task

DEFAULTS = {"owner": "platform", "retries": 2, "retry_delay": timedelta(seconds=1)}
START = pendulum.datetime(2026, 1, 1, tz="UTC")


@task
def noop() -> None:
    """Nothing: what is left is Airflow's own per-task overhead."""


@task
def nap() -> str:
    """Sleep `seconds` from the run's conf (default 3); long enough to kill something underneath."""
    seconds = float(get_current_context()["dag_run"].conf.get("seconds", 3))
    time.sleep(seconds)
    return f"slept {seconds}"


@dag(schedule=None, start_date=START, catchup=False, tags=["test"], default_args=DEFAULTS, doc_md=__doc__)
def load_one():
    noop()


@dag(schedule=None, start_date=START, catchup=False, tags=["test"], default_args=DEFAULTS, doc_md=__doc__)
def load_chain():
    chain(*[noop.override(task_id=f"step_{i:02d}")() for i in range(20)])


@dag(schedule=None, start_date=START, catchup=False, tags=["test"], default_args=DEFAULTS, doc_md=__doc__)
def load_nap():
    nap()


@dag(schedule=None, start_date=START, catchup=False, tags=["test"], default_args=DEFAULTS, doc_md=__doc__)
def load_naps():
    for i in range(6):
        nap.override(task_id=f"nap_{i}")()


@dag(schedule=None, start_date=START, catchup=False, tags=["test"], default_args=DEFAULTS, doc_md=__doc__)
def load_parallel_naps():
    for i in range(24):
        nap.override(task_id=f"nap_{i:02d}")()


load_one()
load_chain()
load_nap()
load_naps()
load_parallel_naps()
