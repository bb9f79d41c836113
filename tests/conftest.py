"""Suite-wide setup: Airflow must never touch ~/airflow or load its example DAGs during tests."""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config):
    # Set before any test module imports airflow, which reads AIRFLOW_HOME at import time.
    if "AIRFLOW_HOME" not in os.environ:
        os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-home-")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
