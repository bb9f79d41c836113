"""
### Databricks: one-off runs, an existing job, and an Airflow-defined Databricks workflow

- `DatabricksSubmitRunOperator` submits a one-off run of a Python file on a new job cluster;
- `DatabricksRunNowOperator` triggers the existing `nightly-orders-<env>` job by name, with the run date;
- a `DatabricksWorkflowTaskGroup` turns two `DatabricksTaskOperator`s into ONE Databricks job (created or
  reset from this file, sharing one job cluster), so the cluster starts once and Airflow still shows and
  retries each task;
- a deferrable `DatabricksSQLStatementsSensor` checks the result on a SQL warehouse.

Every wait is deferrable: the triggerer polls Databricks, no worker slot is held while the cluster works.

**Connections:** `databricks_default` (workspace host + token).
**Environment:** `AIRFLOW_ENV_ID` (default `dev`); `DATABRICKS_WAREHOUSE_ID` (SQL warehouse for the check).
"""

from __future__ import annotations

import os

import pendulum
from airflow.providers.databricks.operators.databricks import (
    DatabricksRunNowOperator,
    DatabricksSubmitRunOperator,
    DatabricksTaskOperator,
)
from airflow.providers.databricks.operators.databricks_workflow import DatabricksWorkflowTaskGroup
from airflow.providers.databricks.sensors.databricks import DatabricksSQLStatementsSensor
from airflow.sdk import chain, dag

ENV_ID = os.environ.get("AIRFLOW_ENV_ID", "dev")
WAREHOUSE_ID = os.environ.get("DATABRICKS_WAREHOUSE_ID", "orders-warehouse")
CATALOG = f"orders_{ENV_ID}"

NEW_CLUSTER = {
    "spark_version": "15.4.x-scala2.12",
    "node_type_id": "m5d.large",
    "num_workers": 2,
    "aws_attributes": {"availability": "SPOT_WITH_FALLBACK", "first_on_demand": 1},
    "custom_tags": {"env": ENV_ID, "owner": "data-platform"},
}
JOB_CLUSTER_KEY = "orders_etl"


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "databricks"],
    default_args={
        "owner": "data-platform",
        "retries": 1,
        "retry_delay": pendulum.duration(minutes=5),
        "databricks_conn_id": "databricks_default",
    },
    doc_md=__doc__,
)
def example_databricks():
    # [START howto_databricks_submit_and_run_now]
    ingest = DatabricksSubmitRunOperator(
        task_id="ingest",
        run_name="ingest_orders_{{ ds_nodash }}",
        tasks=[
            {
                "task_key": "ingest",
                "spark_python_task": {
                    "python_file": "/Workspace/Shared/orders/ingest.py",
                    "parameters": ["--date", "{{ ds }}"],
                },
                "new_cluster": NEW_CLUSTER,
            }
        ],
        deferrable=True,
    )

    nightly_job = DatabricksRunNowOperator(
        task_id="nightly_job",
        job_name=f"nightly-orders-{ENV_ID}",
        job_parameters={"run_date": "{{ ds }}"},
        deferrable=True,
    )
    # [END howto_databricks_submit_and_run_now]

    # [START howto_databricks_workflow]
    with DatabricksWorkflowTaskGroup(
        group_id="orders_workflow",
        databricks_conn_id="databricks_default",
        job_clusters=[{"job_cluster_key": JOB_CLUSTER_KEY, "new_cluster": NEW_CLUSTER}],
        notebook_params={"run_date": "{{ ds }}"},
    ) as orders_workflow:
        clean = DatabricksTaskOperator(
            task_id="clean",
            job_cluster_key=JOB_CLUSTER_KEY,
            task_config={
                "notebook_task": {
                    "notebook_path": "/Workspace/Shared/orders/clean",
                    "source": "WORKSPACE",
                    "base_parameters": {"catalog": CATALOG},
                }
            },
            deferrable=True,
        )
        aggregate = DatabricksTaskOperator(
            task_id="aggregate",
            job_cluster_key=JOB_CLUSTER_KEY,
            task_config={
                "spark_python_task": {
                    "python_file": "/Workspace/Shared/orders/aggregate.py",
                    "parameters": ["--catalog", CATALOG],
                }
            },
            deferrable=True,
        )
        clean >> aggregate
    # [END howto_databricks_workflow]

    check_daily_totals = DatabricksSQLStatementsSensor(
        task_id="check_daily_totals",
        warehouse_id=WAREHOUSE_ID,
        statement=f"SELECT count(*) FROM {CATALOG}.curated.daily_totals WHERE run_date = '{{{{ ds }}}}'",
        deferrable=True,
    )

    chain(ingest, nightly_job, orders_workflow, check_daily_totals)


example_databricks()
