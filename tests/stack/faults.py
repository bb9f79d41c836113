"""Scenarios on a running NativeStack, shared by the tests beside it and bench/stack.py.

`released_dag` makes the DAG versions pushed to the stack's git repository. Each fault scenario triggers a DAG
from tests/stack/dags/stack_load.py through the REST API, breaks a component at the moment that hurts, repairs
it the way compose's `restart: always` (or an operator) would, and returns the run with the seconds from the
fault to the run's end. Callers assert or print; nothing here decides pass/fail.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from local_airflow.processes import wait_for
from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack

RELEASED_DAG = """
import pendulum
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["test"],
     default_args={{"owner": "platform", "retries": 1}}, doc_md="Release {release}")
def {dag_id}():
    @task
    def release() -> int:
        return {release}

    release()


{dag_id}()
"""


def released_dag(dag_id: str, release: int) -> str:
    """A one-task DAG whose XCom is `release`; each release is a new DAG version (its doc_md differs)."""
    return RELEASED_DAG.format(dag_id=dag_id, release=release)


@dataclass(frozen=True)
class Outcome:
    dag_id: str
    run_id: str
    state: str
    seconds: float  # from the fault to the end of the run


def successes_per_task(client: AirflowClient, dag_id: str, run_id: str) -> Counter[str]:
    """How many tries of each task ended in success: the no-duplicate rule wants exactly 1 for each."""
    counts: Counter[str] = Counter()
    for instance in client.task_instances(dag_id, run_id):
        tries = client.tries(dag_id, run_id, instance["task_id"])
        counts[instance["task_id"]] = sum(1 for attempt in tries if attempt["state"] == "success")
    return counts


def _any_task_in(client: AirflowClient, dag_id: str, run_id: str, state: str) -> bool:
    return any(ti["state"] == state for ti in client.task_instances(dag_id, run_id))


def _recover(client: AirflowClient, dag_id: str, run_id: str, fault: Callable[[], None], timeout: float) -> Outcome:
    started = time.monotonic()
    fault()
    try:
        state = client.wait_run(dag_id, run_id, timeout=timeout)
    except TimeoutError:
        state = client.run_state(dag_id, run_id)
    return Outcome(dag_id, run_id, state, time.monotonic() - started)


def kill_worker_mid_task(stack: NativeStack, client: AirflowClient, timeout: float = 600) -> Outcome:
    """kill -9 the Celery worker (its whole session, task included) while a task runs, then start it again."""
    run_id = client.trigger("load_nap", conf={"seconds": 5})
    client.wait_task_state("load_nap", run_id, "nap", ("running",))
    return _recover(client, "load_nap", run_id, lambda: stack.restart_component("worker"), timeout)


def kill_scheduler_while_queued(stack: NativeStack, client: AirflowClient, timeout: float = 900) -> Outcome:
    """kill -9 the scheduler the moment tasks sit in `queued`, then start it again."""
    run_id = client.trigger("load_parallel_naps", conf={"seconds": 2})
    wait_for(
        lambda: _any_task_in(client, "load_parallel_naps", run_id, "queued"),
        120,
        "a queued task in load_parallel_naps",
        interval=0.1,
    )
    return _recover(client, "load_parallel_naps", run_id, lambda: stack.restart_component("scheduler"), timeout)


def restart_mid_run(client: AirflowClient, restart: Callable[[], None], timeout: float = 600) -> Outcome:
    """Restart something (PostgreSQL, Redis, the api-server) while tasks are running."""
    run_id = client.trigger("load_naps", conf={"seconds": 4})
    wait_for(
        lambda: _any_task_in(client, "load_naps", run_id, "running"), 120, "a running task in load_naps", interval=0.25
    )
    return _recover(client, "load_naps", run_id, restart, timeout)
