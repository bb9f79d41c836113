"""Load the DagBag once for the gates, with parse-time lookups answered from the local connections file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from local_airflow.dev import connection_env
from tests.dags.dag_gates import load_dag_bag

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


@contextmanager
def parse_time_lookups() -> Iterator[None]:
    """Answer Variable/Connection lookups a DAG makes while parsing, as `make dev` would, without secrets.

    Only for the parse: left set, these variables would shadow what later test modules configure.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW__SECRETS__BACKEND", "")
        for name, value in connection_env().items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def dag_bag():
    with parse_time_lookups():
        return load_dag_bag(DAGS_FOLDER)
