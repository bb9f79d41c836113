"""The maintenance DAG where neither MWAA's CLI endpoint nor a metadata DB connection exists, as on EKS (whose
chart CronJob cleans instead): the task skips, and says why, rather than failing every night. Its cleaning runs are
tested on the native stack and against MWAA's endpoint in tests/ops/test_db_clean.py."""

from __future__ import annotations

import pytest

from tests.examples.dagruns import load_dag, run_dag, task_states


def test_should_skip_without_mwaa_or_a_metadata_db_connection(airflow_db, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("AIRFLOW_ENV_NAME", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_AIRFLOW_METADATA_DB", raising=False)
    dag_run = run_dag(
        load_dag("maintenance_db_clean", "maintenance_db_clean.py"), conf={"retention_days": 90, "dry_run": True}
    )

    assert (dag_run.state, task_states(dag_run)) == ("success", {"clean_metadata_db": "skipped"})
