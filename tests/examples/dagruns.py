"""Run one example DAG for real with `dag.test()` and read back what happened.

`dag.test()` (Airflow 3.3) parses the whole DAG bundle, writes a real DagRun to the metadata DB, runs each
task in-process through the Task SDK and the in-process Execution API, and runs a deferred task's trigger
inline before resuming it. Two things it does not do like a scheduler, which these helpers handle:

- A failed task with retries left goes to `up_for_retry` and `dag.test()` then loops until `retry_delay` has
  passed (5 min by default); `run_dag` therefore turns retries off, because the tests assert first outcomes.
- A deferred task is only visible as a row in the `trigger` table (its state flips straight back to
  queued), so `triggers_fired` reads that table to prove a task really took the deferrable path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum

from local_airflow.processes import wait_for

# How long a test plays a remote service for a deferred task before it gives up.
DEFERRAL_TIMEOUT_S = 60

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "dags"
AWS_REGION = "us-east-1"

LOGICAL_DATE = pendulum.datetime(2026, 11, 20, tz="UTC")


def load_dag(dag_id: str, file_name: str):
    """The DAG as the DAG processor sees it: parsed from its file by a DagBag, with no import errors."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER / file_name))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def run_dag(dag, *, logical_date=LOGICAL_DATE, conf: dict[str, Any] | None = None, **attributes: Any):
    """Run `dag` once; `attributes` override fields on every task that has them (e.g. poll delays)."""
    for task in dag.tasks:
        task.retries = 0
        for name, value in attributes.items():
            if hasattr(task, name):
                setattr(task, name, value)
    return dag.test(logical_date=logical_date, run_conf=conf)


def task_states(dag_run) -> dict[str, str]:
    """`{task_id: state}` of a finished run (mapped tasks as `task_id[i]`)."""
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = dag_run.get_task_instances(session=session)
        return {(ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"): str(ti.state) for ti in tis}


def triggers_fired(classpath_suffix: str) -> list[dict[str, Any]]:
    """Kwargs of every trigger whose classpath ends with `classpath_suffix` that a deferred task created."""
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session

    with create_session() as session:
        return [t.kwargs for t in session.query(Trigger).all() if t.classpath.endswith(classpath_suffix)]


def once_deferred(classpath_suffix: str, act: Callable[[list[dict[str, Any]]], bool]) -> threading.Thread:
    """Play the remote service moto cannot run: once a trigger of that class waits, call `act(kwargs_list)`.

    `act` returns True when it found what it was waiting for (e.g. the step or crawl the trigger watches);
    the thread keeps polling until then, so triggers left over from earlier tests are ignored.
    """
    thread = threading.Thread(
        target=wait_for,
        args=(
            lambda: act(triggers_fired(classpath_suffix)),
            DEFERRAL_TIMEOUT_S,
            f"a {classpath_suffix} to be deferred",
        ),
        daemon=True,
    )
    thread.start()
    return thread
