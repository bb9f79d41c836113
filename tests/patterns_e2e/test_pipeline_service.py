"""The driving service end to end on the native stack: a request, the DAG appearing, its run succeeding, cleanup.

Once through the local DAG folder (the stack's dags-folder bundle) and once through git (its GitDagBundle)."""

from __future__ import annotations

from pathlib import Path

import git
import pytest
from fastapi.testclient import TestClient

from local_airflow.processes import wait_for
from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack
from pipeline_service.app import create_app
from pipeline_service.delivery import DagSource, GitRepository, LocalFolder
from pipeline_service.service import PipelineService
from tests.pipeline_service.conftest import GOOD_REQUEST

pytestmark = pytest.mark.stack

EXPECTED_TASKS = {
    "plan_days": "success",
    "export_day[0]": "success",
    "export_day[1]": "success",
    "export_day[2]": "success",
    "write_manifest": "success",
}


def run_request_to_cleanup(stack: NativeStack, client: AirflowClient, source: DagSource) -> str:
    """Request a customer_export, wait for its run, clean up; return the dag_id."""
    api = TestClient(create_app(PipelineService(source, stack.client)))

    answer = api.post("/pipelines/customer_export/runs", json=GOOD_REQUEST)
    assert answer.status_code == 201, answer.text
    submitted = answer.json()
    dag_id, run_id = submitted["dag_id"], submitted["run_id"]
    assert dag_id.startswith("customer_export__acme_retail__")
    assert "one-shot" in {tag["name"] for tag in client.get(f"/dags/{dag_id}")["tags"]}

    def finished() -> dict | None:
        status = api.get(f"/runs/{dag_id}").json()
        return status if status["state"] in ("success", "failed") else None

    status = wait_for(finished, 180, f"{dag_id}'s run to finish")
    assert (status["run_id"], status["state"], status["tasks"]) == (run_id, "success", EXPECTED_TASKS)
    manifest = client.xcom(dag_id, run_id, "write_manifest")
    assert manifest["customer_id"] == "acme-retail"
    assert [file["day"] for file in manifest["files"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]

    assert api.post("/cleanup").json() == {"removed": [dag_id]}
    wait_for(lambda: not client.dag_exists(dag_id), 60, f"{dag_id} to be gone from the API")
    assert api.get(f"/runs/{dag_id}").status_code == 404
    return dag_id


class TestDrivingService:
    """Request in, one-shot DAG out and back: delivered, parsed, run, removed (file and DAG)."""

    def test_should_run_and_remove_a_one_shot_from_the_dag_folder(
        self, stack: NativeStack, client: AirflowClient, dags_folder: Path
    ):
        dag_id = run_request_to_cleanup(stack, client, LocalFolder(dags_folder))
        assert not (dags_folder / f"{dag_id}.py").exists()
        assert not list(dags_folder.glob(".*.partial"))

    def test_should_run_and_remove_a_one_shot_through_the_git_bundle(self, stack: NativeStack, client: AirflowClient):
        repository = GitRepository(f"file://{stack.git.path}", folder="dags/generated")
        dag_id = run_request_to_cleanup(stack, client, repository)
        tracked = git.Repo(stack.git.path).commit("main").tree / "dags"
        assert f"generated/{dag_id}.py" not in {item.path.removeprefix("dags/") for item in tracked.traverse()}
