"""
### Platform canary: is this Airflow deployment healthy end to end?

Runs every 10 minutes and proves what a DAG needs from the platform: the scheduler schedules, a worker runs
Python, the worker reaches S3 through the `aws_default` connection (write, read back, delete an object), and
the connections the example DAGs rely on resolve through the secrets backend. Any failure alerts through the
platform notifiers (Slack, SNS), so a broken deployment is noticed before users' DAGs fail.

When every check passes, the canary pings a heartbeat URL: a dead-man's switch outside the platform (a
healthchecks-style service) that alerts when the pings stop, which is also what happens when the scheduler,
the workers or the alerting itself is down. The Prometheus rule PlatformCanarySilent and, on MWAA, the
CloudWatch alarm on the canary's successful runs watch for the same silence from inside.

**Connections:** `aws_default` (S3), `slack_alerts` (Slack incoming webhook).
**Variable:** `platform_canary_heartbeat_url`, the URL to ping on success (kept in the secrets backend, never in
code: it is the switch's credential); unset, the canary pings nothing and says so in its log.
**Environment:** `AIRFLOW_ENV_ID` (default `dev`) names the bucket `platform-<env>-canary`;
`CANARY_REQUIRED_CONNECTIONS` (comma-separated, default `aws_default`); `ALERTS_SNS_TOPIC_ARN` (optional).
"""

from __future__ import annotations

import os

import pendulum
import requests
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.sdk import BaseHook, Variable, dag, task
from dataplatform.notifiers.alerts import task_failure_notifiers

ENV_ID = os.environ.get("AIRFLOW_ENV_ID", "dev")
CANARY_BUCKET = f"platform-{ENV_ID}-canary"
REQUIRED_CONNECTIONS = os.environ.get("CANARY_REQUIRED_CONNECTIONS", "aws_default").split(",")
HEARTBEAT_URL_VARIABLE = "platform_canary_heartbeat_url"
HEARTBEAT_TIMEOUT_S = 10


@dag(
    schedule="*/10 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    # A canary that hangs is as bad as one that fails: give up before the next one starts.
    dagrun_timeout=pendulum.duration(minutes=9),
    tags=["platform", "canary"],
    default_args={
        "owner": "data-platform",
        "retries": 1,
        "retry_delay": pendulum.duration(seconds=30),
        "execution_timeout": pendulum.duration(minutes=2),
        "on_failure_callback": task_failure_notifiers(
            slack_webhook_conn_id="slack_alerts", sns_topic_arn=os.environ.get("ALERTS_SNS_TOPIC_ARN")
        ),
    },
    doc_md=__doc__,
)
def platform_canary():
    @task
    def s3_roundtrip(run_id: str | None = None) -> str:
        """Write an object, read it back identical, delete it: S3 and credentials work from a worker."""
        s3 = S3Hook()
        key = f"canary/{run_id}.txt"
        s3.load_string(run_id, key=key, bucket_name=CANARY_BUCKET, replace=True)
        read_back = s3.read_key(key=key, bucket_name=CANARY_BUCKET)
        s3.delete_objects(bucket=CANARY_BUCKET, keys=[key])
        if read_back != run_id:
            raise ValueError(f"s3://{CANARY_BUCKET}/{key} read back {read_back!r}, wrote {run_id!r}")
        return key

    @task
    def connections_resolve() -> list[str]:
        """Every connection the platform's DAGs need is found by the secrets backend."""
        missing = []
        for conn_id in REQUIRED_CONNECTIONS:
            try:
                BaseHook.get_connection(conn_id)
            except Exception:  # the SDK raises different errors per backend; any of them means "missing"
                missing.append(conn_id)
        if missing:
            raise LookupError(f"connections not found by the secrets backend: {', '.join(missing)}")
        return REQUIRED_CONNECTIONS

    @task
    def ping_heartbeat() -> int | None:
        """Tell the dead-man's switch that the platform works: it alerts when these pings stop coming."""
        url = Variable.get(HEARTBEAT_URL_VARIABLE, default=None)
        if not url:
            print(f"no Airflow Variable {HEARTBEAT_URL_VARIABLE}: no heartbeat sent")
            return None
        response = requests.get(url, timeout=HEARTBEAT_TIMEOUT_S)
        if not response.ok:
            raise RuntimeError(f"the heartbeat URL answered {response.status_code}: {response.text[:200]}")
        return response.status_code

    # Only a canary whose every check passed pings (the default all_success trigger rule).
    [s3_roundtrip(), connections_resolve()] >> ping_heartbeat()


platform_canary()
