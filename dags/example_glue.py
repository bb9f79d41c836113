"""
### Glue: crawl the raw orders, run a Glue job on the catalogued table, wait for it

A crawler catalogs `s3://orders-<env>-landing/incoming/` into the `orders_<env>` Glue database, then the
`orders_to_parquet` Glue job (script in `dags/glue_jobs/`, uploaded by the operator) copies the table to
Parquet, and a deferrable sensor waits for the job run without holding a worker slot. The crawler and job
definitions live in this file: they are created by each run and deleted at the end by teardown tasks, so
what runs in AWS is always what is reviewed here.

**Connections:** `aws_default` (S3, Glue, IAM).
**Environment:** `AIRFLOW_ENV_ID` (default `dev`); the IAM role `glue-<env>-etl` must exist (platform infra).
"""

from __future__ import annotations

import os
from pathlib import Path

import pendulum
from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.operators.glue_crawler import (
    GlueCrawlerCreateOperator,
    GlueCrawlerDeleteOperator,
    GlueCrawlerRunOperator,
)
from airflow.providers.amazon.aws.sensors.glue import GlueJobSensor
from airflow.sdk import chain, dag, task

ENV_ID = os.environ.get("AIRFLOW_ENV_ID", "dev")
LANDING_BUCKET = f"orders-{ENV_ID}-landing"
ARTIFACTS_BUCKET = f"glue-{ENV_ID}-artifacts"
DATABASE = f"orders_{ENV_ID}"
CRAWLER = f"orders-{ENV_ID}-raw"
JOB = f"orders-{ENV_ID}-to-parquet"
ROLE = f"glue-{ENV_ID}-etl"
SCRIPT = Path(__file__).resolve().parent / "glue_jobs" / "orders_to_parquet.py"

CRAWLER_CONFIG = {
    "Name": CRAWLER,
    "Role": ROLE,
    "DatabaseName": DATABASE,
    "Targets": {"S3Targets": [{"Path": f"s3://{LANDING_BUCKET}/incoming/"}]},
}


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "glue"],
    default_args={"owner": "data-platform", "retries": 1, "retry_delay": pendulum.duration(minutes=5)},
    doc_md=__doc__,
)
def example_glue():
    create_crawler = GlueCrawlerCreateOperator(task_id="create_crawler", config=CRAWLER_CONFIG)

    # [START howto_glue_crawl_and_run]
    crawl_orders = GlueCrawlerRunOperator(
        task_id="crawl_orders", crawler_name=CRAWLER, deferrable=True, poll_interval=30
    )

    start_job = GlueJobOperator(
        task_id="start_job",
        job_name=JOB,
        script_location=str(SCRIPT),
        s3_bucket=ARTIFACTS_BUCKET,
        iam_role_name=ROLE,
        create_job_kwargs={"GlueVersion": "5.0", "NumberOfWorkers": 2, "WorkerType": "G.1X"},
        script_args={
            "--database": DATABASE,
            "--table": "incoming",
            "--output_path": f"s3://{LANDING_BUCKET}/curated/orders/ds={{{{ ds }}}}/",
        },
        replace_script_file=True,
        update_config=True,
        # The sensor below waits; this task only starts the run and hands over its id.
        wait_for_completion=False,
    )

    wait_for_job = GlueJobSensor(
        task_id="wait_for_job",
        job_name=JOB,
        run_id=start_job.output,
        deferrable=True,
        poke_interval=60,
    )
    # [END howto_glue_crawl_and_run]

    # Teardowns (all-done semantics): the definitions go whatever happened, and a failed job run still fails
    # the DAG run, which plain trigger_rule="all_done" leaves would hide.
    delete_crawler = GlueCrawlerDeleteOperator(task_id="delete_crawler", crawler_name=CRAWLER).as_teardown(
        setups=create_crawler
    )

    @task
    def delete_job() -> None:
        """Remove the Glue job definition; the next run recreates it from this file."""
        GlueJobHook().conn.delete_job(JobName=JOB)

    chain(
        # SETUP
        create_crawler,
        # BODY
        crawl_orders,
        start_job,
        wait_for_job,
        # TEARDOWN
        [delete_crawler, delete_job().as_teardown(setups=start_job)],
    )


example_glue()
