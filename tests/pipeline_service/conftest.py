"""A service over a temp DAG folder whose Airflow login must never be used: these tests stop before Airflow.
The S3 delivery uses the example runs' moto wiring."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline_service.app import create_app
from pipeline_service.delivery import LocalFolder
from pipeline_service.pipelines import PIPELINES, Pipeline
from pipeline_service.service import PipelineService
from tests.examples.conftest import aws  # noqa: F401

GOOD_REQUEST = {
    "customer_id": "acme-retail",
    "parameters": {"start_date": "2026-11-01", "end_date": "2026-11-03", "file_format": "csv"},
}


def no_airflow():
    raise AssertionError("the request reached Airflow, but it should have been refused before")


@pytest.fixture
def dags_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "dags"
    folder.mkdir()
    return folder


def service_over(dags_folder: Path, **kwargs) -> PipelineService:
    return PipelineService(LocalFolder(dags_folder), no_airflow, **kwargs)


@pytest.fixture
def api(dags_folder: Path) -> TestClient:
    return TestClient(create_app(service_over(dags_folder)))


def pipeline_with_template(templates_dir: Path, source: str) -> dict[str, Pipeline]:
    """The customer_export pipeline, but rendered from `source`."""
    (templates_dir / "broken.py.j2").write_text(source)
    export = PIPELINES["customer_export"]
    return {export.name: Pipeline(export.name, "broken.py.j2", export.parameters, export.description)}
