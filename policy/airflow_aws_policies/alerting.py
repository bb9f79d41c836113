"""The alert path: CloudWatch alarms and the SNS topic (and subscriptions) they notify."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from ._base import MANDATORY, AwsResourcePolicy, as_list, label, truthy

TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
# SNS's AWS-managed key: CloudWatch alarms can't publish to a topic it encrypts, and its use can't be restricted.
AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def _topic_cmk(args: ResourceValidationArgs) -> Iterator[str]:
    key = str(args.props.get("kmsMasterKeyId") or "")
    if not key or key.endswith(AWS_MANAGED_SNS_KEY):
        yield (
            f"{label(args)} is not encrypted with a customer-managed key: set kms_master_key_id to a key whose policy "
            "lets cloudwatch.amazonaws.com encrypt (the AWS-managed alias/aws/sns refuses alarms)."
        )


def _alarm_notifies(args: ResourceValidationArgs) -> Iterator[str]:
    # Actions are enabled unless turned off explicitly.
    if not as_list(args.props.get("alarmActions")) or not truthy(args.props.get("actionsEnabled", True)):
        yield f"{label(args)} fires without telling anyone: set alarm_actions to the alert topic's ARN."


def _subscription_over_tls(args: ResourceValidationArgs) -> Iterator[str]:
    if str(args.props.get("protocol") or "").lower() == "http":
        yield (
            f"{label(args)} delivers alerts over plain HTTP: use protocol https (or email, sqs, lambda) so the "
            "alert's content and the endpoint's credentials stay encrypted."
        )


POLICIES = [
    AwsResourcePolicy(
        "sns-topic-cmk",
        "SNS topics are encrypted with a customer-managed KMS key.",
        [TOPIC],
        _topic_cmk,
        MANDATORY,
        "Set kms_master_key_id to a customer-managed key that CloudWatch may use.",
    ),
    AwsResourcePolicy(
        "cloudwatch-alarm-notifies",
        "CloudWatch alarms notify someone when they fire.",
        [ALARM],
        _alarm_notifies,
        MANDATORY,
        "Set alarm_actions (and leave actions_enabled on).",
    ),
    AwsResourcePolicy(
        "sns-subscription-tls",
        "SNS subscriptions never deliver over plain HTTP.",
        [SUBSCRIPTION],
        _subscription_over_tls,
        MANDATORY,
        "Use protocol https, email, sqs or lambda.",
    ),
]
