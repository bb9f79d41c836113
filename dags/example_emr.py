"""
### EMR: a transient cluster runs one Spark step and is always terminated

Creates an EMR cluster, adds a Spark step running the repo's `spark_jobs/aggregate_sales.py` (uploaded to the
artifacts bucket first), waits for the step with a deferrable sensor (no worker slot held while EMR works),
and terminates the cluster as a teardown task (all-done semantics), so a failed step never leaks a running
cluster, while the run still fails when the step does.

**Connections:** `aws_default` (S3 and EMR).
**Environment:** `AIRFLOW_ENV_ID` (default `dev`) names the cluster `sales-<env>-aggregate` and the buckets
`emr-<env>-artifacts` (job code, cluster logs) and `sales-<env>-lake` (data). The cluster runs with the
`EMR_DefaultRole` / `EMR_EC2_DefaultRole` roles the platform creates.
"""

from __future__ import annotations

import os
from pathlib import Path

import pendulum
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.emr import (
    EmrAddStepsOperator,
    EmrCreateJobFlowOperator,
    EmrTerminateJobFlowOperator,
)
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor
from airflow.sdk import chain, dag, task

ENV_ID = os.environ.get("AIRFLOW_ENV_ID", "dev")
ARTIFACTS_BUCKET = f"emr-{ENV_ID}-artifacts"
LAKE_BUCKET = f"sales-{ENV_ID}-lake"
SPARK_JOB = Path(__file__).resolve().parent / "spark_jobs" / "aggregate_sales.py"
JOB_KEY = "jobs/aggregate_sales.py"

# [START howto_emr_job_flow]
JOB_FLOW_OVERRIDES = {
    "Name": f"sales-{ENV_ID}-aggregate",
    "ReleaseLabel": "emr-7.5.0",
    "Applications": [{"Name": "Spark"}],
    "LogUri": f"s3://{ARTIFACTS_BUCKET}/emr-logs/",
    "Instances": {
        "InstanceGroups": [
            {"Name": "primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {"Name": "core", "InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2},
        ],
        # The cluster must outlive the create call: steps are added by the next task.
        "KeepJobFlowAliveWhenNoSteps": True,
        "TerminationProtected": False,
    },
    "JobFlowRole": "EMR_EC2_DefaultRole",
    "ServiceRole": "EMR_DefaultRole",
    "Tags": [{"Key": "env", "Value": ENV_ID}, {"Key": "owner", "Value": "data-platform"}],
}

SPARK_STEPS = [
    {
        "Name": "aggregate_sales_{{ ds_nodash }}",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": [
                "spark-submit",
                "--deploy-mode",
                "cluster",
                f"s3://{ARTIFACTS_BUCKET}/{JOB_KEY}",
                f"s3://{LAKE_BUCKET}/raw/sales/{{{{ ds }}}}/sales.csv",
                f"s3://{LAKE_BUCKET}/curated/sales_by_region/ds={{{{ ds }}}}/",
            ],
        },
    }
]
# [END howto_emr_job_flow]


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "emr", "spark"],
    default_args={"owner": "data-platform", "retries": 1, "retry_delay": pendulum.duration(minutes=5)},
    doc_md=__doc__,
)
def example_emr():
    @task
    def upload_job_code() -> str:
        """Publish the repo's PySpark job to the artifacts bucket, so the cluster runs the reviewed code."""
        S3Hook().load_file(str(SPARK_JOB), key=JOB_KEY, bucket_name=ARTIFACTS_BUCKET, replace=True)
        return f"s3://{ARTIFACTS_BUCKET}/{JOB_KEY}"

    # [START howto_emr_steps]
    create_cluster = EmrCreateJobFlowOperator(
        task_id="create_cluster",
        job_flow_overrides=JOB_FLOW_OVERRIDES,
        # The whole cluster spec is above, in code review; no defaults merged in from an `emr_default`.
        emr_conn_id=None,
    )

    add_steps = EmrAddStepsOperator(
        task_id="add_steps",
        job_flow_id=create_cluster.output,
        steps=SPARK_STEPS,
    )

    watch_step = EmrStepSensor(
        task_id="watch_step",
        job_flow_id=create_cluster.output,
        step_id="{{ ti.xcom_pull(task_ids='add_steps')[0] }}",
        deferrable=True,
        poke_interval=60,
    )

    # A teardown of the cluster: it runs once everything upstream is done, whatever the step did (the
    # cluster must not keep running and billing), as long as the cluster was created. Unlike a plain
    # trigger_rule="all_done" leaf, a teardown's success does not turn a failed step into a green run.
    terminate_cluster = EmrTerminateJobFlowOperator(
        task_id="terminate_cluster", job_flow_id=create_cluster.output
    ).as_teardown(setups=create_cluster)
    # [END howto_emr_steps]

    chain(
        # SETUP
        upload_job_code(),
        create_cluster,
        # BODY
        add_steps,
        watch_step,
        # TEARDOWN
        terminate_cluster,
    )


example_emr()
