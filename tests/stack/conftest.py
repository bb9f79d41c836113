"""One native Celery stack (PostgreSQL, Redis, moto, every Airflow component) shared by tests/stack.

Sharing is safe: each test triggers its own runs, and the fault tests leave every component running again.
The stack is stopped, every process session killed, even when a test fails.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from local_airflow.processes import stop_on_signals
from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack

DAGS = Path(__file__).parent / "dags"
# Stored only in Secrets Manager (moto): the e2e DAG reads both through the amazon provider's backend.
WAREHOUSE_CONNECTION = {
    "conn_type": "postgres",
    "host": "warehouse.internal",
    "login": "reader",
    "password": "s3cret-from-sm",
    "port": 5432,
}
DATA_REGION = "eu-west-1"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory):
    stop_on_signals(signal.SIGTERM)  # a CI timeout's SIGTERM still reaches the finally below
    native = NativeStack(root=tmp_path_factory.mktemp("stack"), dags_folder=DAGS).start()
    try:
        native.aws.put_secret_connection("warehouse", WAREHOUSE_CONNECTION)
        native.aws.put_secret_variable("data_region", DATA_REGION)
        yield native
    finally:
        native.stop()


@pytest.fixture(scope="session")
def client(stack: NativeStack) -> AirflowClient:
    return stack.client()
