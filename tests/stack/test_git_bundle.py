"""DAG delivery from git: GitDagBundle on a bare repo, tracked on `main`, folder `dags/`."""

from __future__ import annotations

import pytest

from airflow_settings.git_bundle import GIT_BUNDLE_NAME
from local_airflow.processes import wait_for
from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack
from tests.stack.faults import released_dag

pytestmark = pytest.mark.stack

BROKEN_DAG = "from airflow.sdk import dag\n\n\ndef unfinished(:\n"


def run_release(client: AirflowClient) -> int:
    run_id = client.trigger("git_hello")
    assert client.wait_run("git_hello", run_id, timeout=180) == "success"
    return client.xcom("git_hello", run_id, "release")


class TestGitDagBundle:
    """Pushes become DAG versions; a broken push is an import error that stops nothing else."""

    def test_should_run_versions_and_survive_a_broken_push(self, stack: NativeStack, client: AirflowClient):
        first_commit = stack.git.push({"dags/git_hello.py": released_dag("git_hello", 1)}, "Add git_hello")
        wait_for(lambda: client.dag_exists("git_hello"), 120, "git_hello from the git bundle")
        assert run_release(client) == 1
        versions = client.dag_versions("git_hello")
        assert [(v["bundle_name"], v["bundle_version"]) for v in versions] == [(GIT_BUNDLE_NAME, first_commit)]

        second_commit = stack.git.push({"dags/git_hello.py": released_dag("git_hello", 2)}, "Release 2")
        wait_for(lambda: len(client.dag_versions("git_hello")) == 2, 120, "git_hello's second version")
        assert client.dag_versions("git_hello")[-1]["bundle_version"] == second_commit
        assert run_release(client) == 2

        stack.git.push({"dags/git_broken.py": BROKEN_DAG}, "Push a broken DAG")

        def broken_file_errors() -> list[dict]:
            return [e for e in client.import_errors() if e["filename"].endswith("git_broken.py")]

        errors = wait_for(broken_file_errors, 120, "an import error for git_broken.py")
        assert errors[0]["bundle_name"] == GIT_BUNDLE_NAME
        assert "SyntaxError" in errors[0]["stack_trace"]
        assert run_release(client) == 2, "the good DAG of the same bundle must keep running"
        run_id = client.trigger("load_one")
        assert client.wait_run("load_one", run_id, timeout=180) == "success"
