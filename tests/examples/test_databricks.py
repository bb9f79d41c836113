"""example_databricks: the real operators against a loopback Databricks workspace (Jobs API 2.2)."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.examples.dagruns import load_dag, run_dag, task_states, triggers_fired
from tests.examples.databricks_api import DatabricksApi
from tests.examples.loopback import LoopbackServer

TOKEN = "dapi-test-token"
NIGHTLY_JOB_ID = 77


def task_key(task_id: str) -> str:
    """How the provider names a workflow task in Databricks (stable across runs)."""
    return hashlib.md5(f"example_databricks__{task_id}".encode()).hexdigest()


@pytest.fixture
def workspace(airflow_db, monkeypatch):
    def serve(**api_options) -> tuple[LoopbackServer, DatabricksApi]:
        api = DatabricksApi(
            watched_runs=lambda: {t["run_id"] for t in triggers_fired("DatabricksExecutionTrigger")},
            watched_statements=lambda: {
                t["statement_id"] for t in triggers_fired("DatabricksSQLStatementExecutionTrigger")
            },
            existing_jobs={"nightly-orders-dev": NIGHTLY_JOB_ID},
            **api_options,
        )
        server = LoopbackServer(api.answer).__enter__()
        host, port = server.url.removeprefix("http://").split(":")
        conn = {
            "conn_type": "databricks",
            "host": host,
            "port": int(port),
            "schema": "http",
            "password": TOKEN,
        }
        monkeypatch.setenv("AIRFLOW_CONN_DATABRICKS_DEFAULT", json.dumps(conn))
        servers.append(server)
        return server, api

    servers: list[LoopbackServer] = []
    yield serve
    for server in servers:
        server.__exit__()


def run_example():
    return run_dag(load_dag("example_databricks", "example_databricks.py"), polling_period_seconds=1)


def test_should_send_the_documented_requests_and_succeed(workspace):
    server, api = workspace()

    dag_run = run_example()

    assert dag_run.state == "success", task_states(dag_run)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in server.requests)

    (submit,) = server.calls("POST", "/api/2.2/jobs/runs/submit")
    assert submit.body["run_name"] == "ingest_orders_20261120"
    (ingest_task,) = submit.body["tasks"]
    assert ingest_task["task_key"] == "ingest"
    assert ingest_task["spark_python_task"]["parameters"] == ["--date", "2026-11-20"]
    # The operator normalises every JSON scalar to a string before sending.
    assert ingest_task["new_cluster"]["num_workers"] == "2"

    nightly, workflow_run = server.calls("POST", "/api/2.2/jobs/run-now")
    assert nightly.body == {"job_id": NIGHTLY_JOB_ID, "job_parameters": {"run_date": "2026-11-20"}}

    (create,) = server.calls("POST", "/api/2.2/jobs/create")
    job = create.body
    assert job["name"] == "example_databricks.orders_workflow"
    assert [c["job_cluster_key"] for c in job["job_clusters"]] == ["orders_etl"]
    assert job["job_clusters"][0]["new_cluster"]["spark_version"] == "15.4.x-scala2.12"
    tasks = {t["task_key"]: t for t in job["tasks"]}
    clean, aggregate = tasks[task_key("orders_workflow.clean")], tasks[task_key("orders_workflow.aggregate")]
    assert clean["depends_on"] == []
    assert aggregate["depends_on"] == [{"task_key": task_key("orders_workflow.clean")}]
    assert clean["job_cluster_key"] == aggregate["job_cluster_key"] == "orders_etl"
    assert clean["notebook_task"]["base_parameters"] == {"catalog": "orders_dev"}
    assert workflow_run.body["job_id"] == max(api.jobs)
    assert workflow_run.body["notebook_params"] == {"run_date": "2026-11-20"}

    (statement,) = server.calls("POST", "/api/2.0/sql/statements")
    assert statement.body["warehouse_id"] == "orders-warehouse"
    assert statement.body["statement"].endswith("WHERE run_date = '2026-11-20'")

    # Every wait took the deferrable path: one trigger per monitored run, one for the SQL statement.
    watched = {t["run_id"] for t in triggers_fired("DatabricksExecutionTrigger")}
    run_ids = {r.run_id for r in api.runs.values() if r.task_key in (None, clean["task_key"], aggregate["task_key"])}
    assert len(watched & run_ids) == 4
    assert triggers_fired("DatabricksSQLStatementExecutionTrigger")


def test_should_fail_the_workflow_task_whose_databricks_task_failed(workspace):
    server, api = workspace(failing_task_keys=frozenset({task_key("orders_workflow.aggregate")}))

    dag_run = run_example()

    states = task_states(dag_run)
    assert dag_run.state == "failed"
    assert states["orders_workflow.clean"] == "success"
    assert states["orders_workflow.aggregate"] == "failed"
    assert states["check_daily_totals"] == "upstream_failed"
    assert server.calls("POST", "/api/2.0/sql/statements") == []
    failed_run = next(r for r in api.runs.values() if r.task_key == task_key("orders_workflow.aggregate"))
    assert failed_run.run_id in {t["run_id"] for t in triggers_fired("DatabricksExecutionTrigger")}


def test_should_reset_the_workflow_job_instead_of_creating_a_second_one(workspace):
    server, api = workspace()
    assert run_example().state == "success"
    job_id = max(api.jobs)

    assert run_example().state == "success"

    assert len(server.calls("POST", "/api/2.2/jobs/create")) == 1
    (reset,) = server.calls("POST", "/api/2.2/jobs/reset")
    assert reset.body["job_id"] == job_id
    assert reset.body["new_settings"]["name"] == "example_databricks.orders_workflow"
