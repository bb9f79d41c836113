"""A request that fails after delivery withdraws its file, so no one-shot is left that cleanup would never remove."""

from __future__ import annotations

from types import SimpleNamespace

from fastapi.testclient import TestClient

from local_airflow.rest_client import AirflowAPIError
from pipeline_service.app import create_app
from pipeline_service.delivery import LocalFolder
from pipeline_service.service import PipelineService
from tests.pipeline_service.conftest import GOOD_REQUEST


class NeverParsedAirflow:
    """An API server whose dag-processor never picks the file up; it records the DELETEs it receives."""

    def __init__(self):
        self.deleted: list[str] = []

    def wait_dag(self, dag_id: str, timeout: float) -> None:
        raise TimeoutError(f"gave up after {timeout:.0f} s waiting for DAG {dag_id} to be parsed")

    def request(self, method: str, path: str) -> None:
        assert method == "DELETE", f"only the withdrawal's DELETE is expected, got {method} {path}"
        self.deleted.append(path)
        raise AirflowAPIError(method, path, SimpleNamespace(status_code=404, text="DAG not found"))


def test_should_withdraw_a_file_airflow_did_not_parse_in_time(dags_folder):
    airflow = NeverParsedAirflow()
    service = PipelineService(LocalFolder(dags_folder), lambda: airflow, parse_timeout_s=3)

    answer = TestClient(create_app(service)).post("/pipelines/customer_export/runs", json=GOOD_REQUEST)

    assert answer.status_code == 504
    assert "delivered, but Airflow did not parse it in time: gave up after 3 s" in answer.json()["detail"]
    assert list(dags_folder.iterdir()) == []
    (deleted,) = airflow.deleted
    assert deleted.startswith("/dags/customer_export__acme_retail__")
