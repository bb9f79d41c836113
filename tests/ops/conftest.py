"""One native Celery stack shared by the tests of tests/ops that need Airflow running, and the ops CLI's login.

Its dags folder holds the platform's maintenance DAG (dags/maintenance_db_clean.py) and tests/ops/dags/.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from local_airflow.compose import REPO_ROOT
from local_airflow.processes import stop_on_signals
from local_airflow.rest_client import AirflowClient
from local_airflow.stack import ADMIN_PASSWORD, ADMIN_USER, NativeStack, running_stack
from ops.__main__ import main as ops_main
from ops.db_backup import Database

MAINTENANCE_DAG = REPO_ROOT / "dags" / "maintenance_db_clean.py"
TEST_DAGS = Path(__file__).parent / "dags"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory):
    stop_on_signals(signal.SIGTERM)  # a CI timeout's SIGTERM still stops the stack
    dags = tmp_path_factory.mktemp("ops-dags")
    for path in (MAINTENANCE_DAG, *TEST_DAGS.glob("*.py")):
        shutil.copy(path, dags)
    with running_stack(tmp_path_factory.mktemp("ops-stack"), dags) as native:
        yield native


@pytest.fixture(scope="session")
def client(stack: NativeStack) -> AirflowClient:
    return stack.client()


def metadata_db(stack: NativeStack) -> Database:
    """The stack's metadata DB, for what the API does not show."""
    return Database.from_url(stack.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])


@pytest.fixture
def ops(stack: NativeStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """`ops(*argv)`: run `python -m ops` in-process against the stack; (exit status, stdout, stderr)."""
    monkeypatch.setenv("AIRFLOW_API_URL", stack.api_url)
    monkeypatch.setenv("AIRFLOW_API_USERNAME", ADMIN_USER)
    monkeypatch.setenv("AIRFLOW_API_PASSWORD", ADMIN_PASSWORD)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = ops_main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    return run
