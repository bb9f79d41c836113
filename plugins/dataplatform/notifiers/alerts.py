"""Failure alerts through the providers' own notifiers (Slack incoming webhook, Amazon SNS)."""

from __future__ import annotations

from airflow.providers.amazon.aws.notifications.sns import SnsNotifier
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.sdk import BaseNotifier

# Rendered by each notifier with the failing task's context.
FAILURE_MESSAGE = (
    ":red_circle: {{ ti.dag_id }}.{{ ti.task_id }} failed on try {{ ti.try_number }}"
    " (run {{ run_id }}, owner {{ task.owner }}): {{ exception }}"
)
FAILURE_SUBJECT = "Airflow task failed: {{ ti.dag_id }}.{{ ti.task_id }}"


def task_failure_notifiers(
    *,
    slack_webhook_conn_id: str | None = "slack_alerts",
    sns_topic_arn: str | None = None,
    aws_conn_id: str = "aws_default",
) -> list[BaseNotifier]:
    """The notifiers to pass as `on_failure_callback`: Slack, SNS, or both.

    :param slack_webhook_conn_id: a `slackwebhook` connection to the alerts channel; None for no Slack.
    :param sns_topic_arn: the platform's alerts topic; None for no SNS.
    :param aws_conn_id: the AWS connection SNS publishes with.
    """
    if slack_webhook_conn_id is None and sns_topic_arn is None:
        raise ValueError(
            "task_failure_notifiers() needs slack_webhook_conn_id or sns_topic_arn (or both): "
            "with neither, failures would alert nobody."
        )
    notifiers: list[BaseNotifier] = []
    if slack_webhook_conn_id is not None:
        notifiers.append(SlackWebhookNotifier(slack_webhook_conn_id=slack_webhook_conn_id, text=FAILURE_MESSAGE))
    if sns_topic_arn is not None:
        notifiers.append(
            SnsNotifier(
                aws_conn_id=aws_conn_id,
                target_arn=sns_topic_arn,
                subject=FAILURE_SUBJECT,
                message=FAILURE_MESSAGE,
            )
        )
    return notifiers
