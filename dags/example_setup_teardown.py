"""
### Setup and teardown: a scratch workspace that is always removed

`create_workspace` is a setup task and `remove_workspace` its teardown: the teardown runs once the work is
done whether it succeeded or failed (so nothing leaks), and, unlike a plain `all_done` task, its own success
does not hide a failed run. Trigger with `{"fail_work": true}` to see the teardown run after a failure.

**Connections:** none.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pendulum
from airflow.sdk import Param, dag, setup, task, teardown


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "pattern"],
    default_args={"owner": "data-platform", "retries": 1},
    params={"fail_work": Param(False, type="boolean", description="Fail the work to watch the teardown.")},
    doc_md=__doc__,
)
def example_setup_teardown():
    # [START howto_setup_teardown]
    @setup
    def create_workspace() -> str:
        """Create the scratch directory the work writes to."""
        return tempfile.mkdtemp(prefix="example_setup_teardown_")

    @task
    def work(workspace: str, params: dict | None = None) -> int:
        """Write intermediate files to the workspace; fails on request."""
        Path(workspace, "part-0.csv").write_text("id\n1\n")
        if params["fail_work"]:
            raise RuntimeError("work failed on request")
        return len(list(Path(workspace).iterdir()))

    @teardown
    def remove_workspace(workspace: str) -> None:
        """Delete the workspace, whatever the work did."""
        shutil.rmtree(workspace, ignore_errors=True)

    workspace = create_workspace()
    work(workspace) >> remove_workspace(workspace)
    # [END howto_setup_teardown]


example_setup_teardown()
