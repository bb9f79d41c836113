"""The provider's tests: its Jobs service on loopback, reached through the default connection, and the example
runs' metadata DB for `dag.test()`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.examples.conftest import airflow_db  # noqa: F401
from tests.providers.dataplatform.jobs_service import JobsService


@pytest.fixture
def jobs_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[JobsService]:
    """A fresh service whose jobs succeed at once; tests change `run_seconds`, `outcome` or `job_names`."""
    with JobsService() as service:
        monkeypatch.setenv("AIRFLOW_CONN_DATAPLATFORM_JOBS_DEFAULT", json.dumps(service.connection()))
        yield service
