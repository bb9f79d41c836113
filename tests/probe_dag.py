"""The probe DAG that the release test pushes to git and the compose run test drops into the DAG folder: one
task that reads a connection, so a run proves the worker's secrets lookup as well as its scheduling."""

from __future__ import annotations

PROBE_DAG_ID = "release_probe"
PROBE_CONNECTION = "release_probe_target"
PROBE_HOST = "probe.example.internal"
PROBE_TASK_ID = "read_connection"
_PROBE_DAG = f'''
from airflow.sdk import BaseHook, dag, task


@dag(schedule=None, tags=["release-test"], doc_md="Release {{release}}")
def {PROBE_DAG_ID}():
    @task
    def {PROBE_TASK_ID}() -> str:
        host = BaseHook.get_connection("{PROBE_CONNECTION}").host
        print(f"release probe {{release}} found {{host}}")
        return host

    {PROBE_TASK_ID}()


{PROBE_DAG_ID}()
'''


def probe_dag(release: int) -> str:
    """The DAG file's source; `release` is printed by its task, to tell one pushed version from another."""
    return _PROBE_DAG.replace("{release}", str(release))


def probe_log_line(release: int) -> str:
    """What the task of `release` logs when it found the connection."""
    return f"release probe {release} found {PROBE_HOST}"
