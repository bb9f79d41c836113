"""Suite-wide setup: Airflow must never touch ~/airflow or load its example DAGs during tests; shared fixtures."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config):
    # Set before any test module imports airflow, which reads AIRFLOW_HOME at import time.
    if "AIRFLOW_HOME" not in os.environ:
        os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-home-")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's server on a free loopback port, for the AWS APIs moto answers (Secrets Manager, S3, …)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
