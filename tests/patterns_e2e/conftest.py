"""One native Celery stack for the patterns' end-to-end tests, with the provider's Jobs service on loopback.

Its DAG folder is a temp folder: the probe DAG of this folder's dags/ is copied in, and the driving service
delivers its one-shot DAGs there (or to the stack's git repository, which the git bundle tracks).
"""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_airflow.processes import stop_on_signals
from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack, running_stack
from tests.providers.dataplatform.jobs_service import JobsService

PROBE_DAGS = Path(__file__).parent / "dags"


@pytest.fixture(scope="session")
def jobs_service() -> Iterator[JobsService]:
    with JobsService() as service:
        yield service


@pytest.fixture(scope="session")
def dags_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("patterns-dags")
    for probe in PROBE_DAGS.glob("*.py"):
        shutil.copy(probe, folder / probe.name)
    return folder


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, dags_folder: Path, jobs_service: JobsService):
    stop_on_signals(signal.SIGTERM)  # a CI timeout's SIGTERM still reaches the finally below
    overrides = {
        "AIRFLOW_CONN_DATAPLATFORM_JOBS_DEFAULT": json.dumps(jobs_service.connection()),
        # Connections from the environment only. With the Secrets Manager backend, Airflow 3.3 builds the backend's
        # boto3 client anew for each lookup, and the one lookup a trigger makes (test_jobs.py of the provider's
        # triggers counts it) can hold the triggerer's loop past its 0.2 s warning on a loaded machine: Airflow's
        # cost, not the trigger's, which is what the blocked-loop check here is about.
        "AIRFLOW__SECRETS__BACKEND": None,
    }
    with running_stack(tmp_path_factory.mktemp("patterns-stack"), dags_folder, overrides=overrides) as native:
        yield native


@pytest.fixture(scope="session")
def client(stack: NativeStack) -> AirflowClient:
    return stack.client()
