"""The MWAA environment's alarms: CloudWatch alarms on the metrics MWAA publishes, sent to an encrypted SNS topic."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.alarm_rules import ALARMS, AlarmSpec, alarm_queries, topic_key_policy
from infra.config_rules import component_input_error
from infra.observability_rules import email_problems


@dataclass(frozen=True)
class MwaaAlarmsArgs:
    environment_name: pulumi.Input[str]
    """The MWAA environment's name: the `Environment` dimension of the metrics MWAA publishes, and the prefix of
    every alarm's name. https://docs.aws.amazon.com/mwaa/latest/userguide/access-metrics-cw-202.html"""
    account_id: str
    """The account the alarms and the topic live in; only its CloudWatch may use the topic's key."""
    region: str
    """The region of the environment (and so of its metrics, the alarms and the topic)."""
    email_endpoints: tuple[str, ...] = ()
    """Addresses subscribed to the topic by email; each must confirm the subscription AWS mails it. Defaults to
    none: subscribe a pager or chat integration to the `topic_arn` output instead.
    https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html"""
    key_deletion_window_days: int = 30
    """Waiting period before the topic key's scheduled deletion, 7 to 30 days. Defaults to 30."""


def alarms_input_problems(args: MwaaAlarmsArgs) -> list[str]:
    """Every broken input rule as "field: problem; fix: …" (empty when all hold)."""
    problems = email_problems("email_endpoints", args.email_endpoints)
    if not 7 <= args.key_deletion_window_days <= 30:
        problems.append(
            f"key_deletion_window_days: {args.key_deletion_window_days} is outside KMS' 7 to 30 days; "
            "fix: choose a value in that range"
        )
    return problems


class MwaaAlarms(pulumi.ComponentResource):
    """An aws.kms.Key (rotating; CloudWatch of this account may encrypt with it) encrypting an aws.sns.Topic, an
    aws.sns.TopicSubscription per email endpoint, and one aws.cloudwatch.MetricAlarm per alarm_rules.ALARMS
    entry, each notifying the topic when it fires and when it recovers."""

    topic_arn: pulumi.Output[str]
    alarm_names: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: MwaaAlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:alarms:MwaaAlarms", name, None, opts)
        problems = alarms_input_problems(args)
        if problems:
            # As infra/mwaa.py: Python's SDK has no ResourceError, so the message names the component itself.
            raise pulumi.RunError(component_input_error(name, "MwaaAlarms", problems))
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(
            f"{name}-topic-key",
            description="Airflow alert topic key (MWAA alarms)",
            enable_key_rotation=True,
            deletion_window_in_days=args.key_deletion_window_days,
            policy=json.dumps(topic_key_policy(account_id=args.account_id, region=args.region)),
            opts=child,
        )
        topic = aws.sns.Topic(
            f"{name}-topic",
            name=pulumi.Output.concat(args.environment_name, "-alerts"),
            kms_master_key_id=key.arn,
            opts=child,
        )
        for address in args.email_endpoints:
            aws.sns.TopicSubscription(
                # Keyed on the address, so reordering the list never replaces a subscription.
                f"{name}-email-{hashlib.sha256(address.encode()).hexdigest()[:8]}",
                topic=topic.arn,
                protocol="email",
                endpoint=address,
                opts=pulumi.ResourceOptions(parent=topic),
            )
        alarms = {spec.key: self._alarm(name, spec, args, topic) for spec in ALARMS}
        self.topic_arn = topic.arn
        self.alarm_names = {key_: alarm.name for key_, alarm in alarms.items()}
        self.register_outputs({"topic_arn": self.topic_arn, "alarm_names": self.alarm_names})

    def _alarm(self, name: str, spec: AlarmSpec, args: MwaaAlarmsArgs, topic: aws.sns.Topic):
        queries = [_metric_query_args(query) for query in alarm_queries(spec, args.environment_name)]
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.key}",
            name=pulumi.Output.concat(args.environment_name, "-", spec.key),
            alarm_description=spec.description,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            evaluation_periods=spec.evaluation_periods,
            treat_missing_data=spec.treat_missing_data,
            metric_queries=queries,
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            opts=pulumi.ResourceOptions(parent=self),
        )


def _metric_query_args(query: dict) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    """alarm_rules' plain query as the provider's argument objects."""
    metric = query.get("metric")
    fields = {key: value for key, value in query.items() if key != "metric"}
    if metric is None:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(**fields)
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        **fields, metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(**metric)
    )
