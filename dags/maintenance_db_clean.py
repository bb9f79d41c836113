"""
### Metadata DB cleanup

Runs `airflow db clean` every night: rows older than the retention are deleted from the metadata DB, nothing is
archived (a backup is the way back). The tables are Airflow's own list: DAG runs (the latest scheduled run of each
DAG is kept), task instances and their history, XComs, the audit log, jobs, task reschedules, triggers, callback
requests, import errors, DAG versions no run uses, Celery results and expired sessions. Task log files are not in the
DB: S3 or CloudWatch keep them for their own retention.

The retention is the platform setting `db_clean.retention_days` (airflow_settings/settings.yaml, which every target
receives as `[db_clean] retention_days`); a manual run can pass `{"retention_days": N}` and `{"dry_run": true}`.

Airflow 3 keeps tasks away from the metadata DB, so the command runs where it may:
- on MWAA, through the environment's Airflow CLI endpoint (`CreateCliToken`; the execution role must allow
  `airflow:CreateCliToken`);
- elsewhere, as a CLI process given the connection `airflow_metadata_db` (the local stacks define it);
- on EKS neither exists and the task skips: the chart's cleanup CronJob runs the same command there.

Runbook: docs/runbooks/maintenance.md.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pendulum
from airflow.sdk import Connection, Param, dag, task
from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSkipException

METADATA_DB_CONN_ID = "airflow_metadata_db"
# How long one clean may take before the task fails (and retries): a first run on a big DB deletes the most.
CLEAN_TIMEOUT_S = 3600


def db_clean_command(before: pendulum.DateTime, *, dry_run: bool) -> list[str]:
    """The `airflow db clean` arguments for rows older than `before`."""
    command = ["db", "clean", "--clean-before-timestamp", before.isoformat(), "--skip-archive", "--yes"]
    return [*command, "--dry-run"] if dry_run else command


def clean_on_mwaa(environment: str, command: list[str]) -> str:
    """Run the command through MWAA's CLI endpoint; its output, or RuntimeError with MWAA's answer."""
    import boto3
    import requests

    token = boto3.client("mwaa").create_cli_token(Name=environment)
    response = requests.post(
        f"https://{token['WebServerHostname']}/aws_mwaa/cli",
        headers={"Authorization": f"Bearer {token['CliToken']}", "Content-Type": "text/plain"},
        data=" ".join(command),
        timeout=CLEAN_TIMEOUT_S,
    )
    if not response.ok:
        raise RuntimeError(f"MWAA CLI endpoint answered {response.status_code}: {response.text[:2000]}")
    output = {stream: base64.b64decode(response.json().get(stream) or b"").decode() for stream in ("stdout", "stderr")}
    # The endpoint answers 200 whatever the command did: a failed command shows as its traceback.
    if "Traceback" in output["stderr"]:
        raise RuntimeError(f"airflow {' '.join(command)} failed on MWAA:\n{output['stderr']}")
    return output["stdout"] + output["stderr"]


def clean_with_connection(command: list[str]) -> str:
    """Run the command as a CLI process pointed at the metadata DB of the `airflow_metadata_db` connection."""
    from sqlalchemy.engine import URL

    try:
        connection = Connection.get(METADATA_DB_CONN_ID)
    except AirflowNotFoundException:
        raise AirflowSkipException(
            f"no connection {METADATA_DB_CONN_ID!r} and not on MWAA: nothing here may reach the metadata DB (on "
            "EKS the chart's cleanup CronJob cleans it); to clean from this DAG, define the connection"
        ) from None
    url = URL.create(
        "postgresql+psycopg2",
        username=connection.login,
        password=connection.password,
        host=connection.host,
        port=connection.port,
        database=connection.schema,
    )
    # The task's own environment has the metadata DB blocked; this one process gets it back.
    env = {**os.environ, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url.render_as_string(hide_password=False)}
    env.pop("AIRFLOW__CORE__SQL_ALCHEMY_CONN", None)
    result = subprocess.run(
        [sys.executable, "-m", "airflow", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLEAN_TIMEOUT_S,
    )
    if result.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(command)} exited with {result.returncode}:\n{result.stderr[-4000:]}")
    return result.stdout + result.stderr


@dag(
    schedule="30 3 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["maintenance", "platform"],
    default_args={"owner": "data-platform", "retries": 1},
    params={
        "retention_days": Param(None, type=["null", "integer"], minimum=1, description="default: the setting"),
        "dry_run": Param(False, type="boolean", description="list what would be deleted, delete nothing"),
    },
    doc_md=__doc__,
)
def maintenance_db_clean():
    @task
    def clean_metadata_db(params: dict | None = None) -> str:
        """Delete metadata rows older than the retention; return the cutoff."""
        from airflow.sdk.configuration import conf

        retention_days = params["retention_days"] or conf.getint("db_clean", "retention_days", fallback=None)
        if not retention_days:
            raise ValueError("no retention: set db_clean.retention_days in airflow_settings/settings.yaml")
        before = pendulum.now("UTC").subtract(days=retention_days)
        command = db_clean_command(before, dry_run=params["dry_run"])
        # MWAA names every environment's containers with it.
        environment = os.environ.get("AIRFLOW_ENV_NAME")
        print(clean_on_mwaa(environment, command) if environment else clean_with_connection(command))
        return before.isoformat()

    clean_metadata_db()


maintenance_db_clean()
