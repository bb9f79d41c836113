"""Load the DagBag once for the gates, with parse-time lookups answered from the local connections file."""

from __future__ import annotations

from pathlib import Path

import pytest

from dag_gates import load_dag_bag, parse_time_lookups
from local_airflow.dev import connection_env

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="session")
def dag_bag():
    # As `make dev` answers them: the local-development connections file, no secrets backend.
    with parse_time_lookups(connection_env()):
        return load_dag_bag(DAGS_FOLDER)
