"""
### Failure alerts through the providers' notifiers (Slack webhook and SNS)

Every task gets `on_failure_callback` = the platform's failure notifiers (`dataplatform.notifiers.alerts`, in
`plugins/`): the Slack provider's `SlackWebhookNotifier` posts to the alerts channel and the amazon provider's
`SnsNotifier` publishes to the platform alerts topic, both with the DAG, task, try, run and exception.

Trigger it with `{"simulate_failure": true}` to check the whole alert path of an environment end to end.

**Connections:** `slack_alerts` (Slack incoming webhook), `aws_default` (SNS).
**Environment:** `ALERTS_SNS_TOPIC_ARN` (optional: without it, alerts go to Slack only).
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import Param, dag, task
from dataplatform.notifiers.alerts import task_failure_notifiers

# [START howto_failure_notifiers]
ALERTS = task_failure_notifiers(
    slack_webhook_conn_id="slack_alerts",
    sns_topic_arn=os.environ.get("ALERTS_SNS_TOPIC_ARN"),
)


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "alerting"],
    default_args={
        "owner": "data-platform",
        "retries": 1,
        "retry_delay": pendulum.duration(minutes=1),
        # Per task, so the alert names the task that failed and carries its exception.
        "on_failure_callback": ALERTS,
    },
    params={"simulate_failure": Param(False, type="boolean", description="Fail on purpose to test alerts.")},
    doc_md=__doc__,
)
# [END howto_failure_notifiers]
def example_failure_alerts():
    @task
    def check_orders_arrived(params: dict | None = None) -> str:
        """Stand-in for a data check; fails when asked to, so the alert path can be exercised."""
        if params["simulate_failure"]:
            raise RuntimeError("simulated failure: orders for the day are missing")
        return "orders present"

    check_orders_arrived()


example_failure_alerts()
