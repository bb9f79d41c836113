"""task_failure_notifiers: which provider notifiers it builds, and refusing to alert nobody."""

from __future__ import annotations

import pytest
from airflow.providers.amazon.aws.notifications.sns import SnsNotifier
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from dataplatform.notifiers.alerts import task_failure_notifiers

TOPIC = "arn:aws:sns:us-east-1:123456789012:platform-alerts"


class TestTaskFailureNotifiers:
    """The notifiers the DAGs pass as `on_failure_callback` (their delivery is proved in tests/examples)."""

    @pytest.mark.parametrize(
        ("options", "kinds"),
        [
            ({}, [SlackWebhookNotifier]),
            ({"sns_topic_arn": TOPIC}, [SlackWebhookNotifier, SnsNotifier]),
            ({"slack_webhook_conn_id": None, "sns_topic_arn": TOPIC}, [SnsNotifier]),
        ],
        ids=["slack-only", "slack-and-sns", "sns-only"],
    )
    def test_should_build_the_requested_provider_notifiers(self, options, kinds):
        assert [type(n) for n in task_failure_notifiers(**options)] == kinds

    def test_should_refuse_to_build_no_notifier_at_all(self):
        with pytest.raises(ValueError, match="needs slack_webhook_conn_id or sns_topic_arn"):
            task_failure_notifiers(slack_webhook_conn_id=None)
