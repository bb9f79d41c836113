"""The mwaa stack's alerts and logs: the CloudWatch alarms wired to the environment, their topic and its
subscribers, and the environment's log groups with their retention (the creation order is in
test_mwaa_creation_order.py, the alarms' own thresholds in test_alarms.py)."""

from __future__ import annotations

import fnmatch

import pytest

from airflow_settings import load_settings
from infra.alarm_rules import ALARMS, NAMESPACE
from infra.mwaa_rules import LOG_GROUPS
from infra.stack import stack_config_from
from tests.infra.example_stacks import with_stand_in_artifacts
from tests.infra.harness import ACCOUNT_ID, Built, build_stack, platform_key, stack_config, statements

pytestmark = pytest.mark.infra

ENVIRONMENT = "airflow-mwaa"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def build_with(tmp_path, section: str, values: dict) -> Built:
    config = stack_config("mwaa")
    config[f"airflow-aws:{section}"] = {**config.get(f"airflow-aws:{section}", {}), **values}
    return build_stack("mwaa", with_stand_in_artifacts(config, tmp_path))


class TestAlarmsOnTheEnvironment:
    """MwaaAlarms watches the stack's own environment and notifies the exported topic."""

    @pytest.mark.parametrize("spec", ALARMS, ids=[spec.key for spec in ALARMS])
    def test_should_watch_the_environments_metrics(self, mwaa_stack: Built, spec):
        alarm = mwaa_stack.find_created("aws:cloudwatch/metricAlarm:MetricAlarm", f"{ENVIRONMENT}-alarms-{spec.key}")
        assert alarm.inputs["name"] == f"{ENVIRONMENT}-{spec.key}"
        metrics = [query["metric"] for query in alarm.inputs["metricQueries"] if "metric" in query]
        assert metrics and all(metric["namespace"] == NAMESPACE for metric in metrics)
        assert {metric["dimensions"]["Environment"] for metric in metrics} == {ENVIRONMENT}

    def test_should_export_the_topic_the_alarms_notify(self, mwaa_stack: Built):
        topic_arn = f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:{ENVIRONMENT}-alerts"
        assert mwaa_stack.outputs["alertsTopicArn"] == topic_arn
        for alarm in mwaa_stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
            assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [topic_arn]

    def test_should_encrypt_the_topic_with_its_own_key_not_the_platform_key(self, mwaa_stack: Built):
        key = mwaa_stack.find_created("aws:kms/key:Key", f"{ENVIRONMENT}-alarms-topic-key")
        assert mwaa_stack.one(TOPIC).inputs["kmsMasterKeyId"] == f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/{key.name}"
        assert key is not platform_key(mwaa_stack)

    def test_should_subscribe_no_one_by_default(self, mwaa_stack: Built):
        assert mwaa_stack.of_type(SUBSCRIPTION) == []

    def test_should_mail_each_alert_address(self, tmp_path):
        addresses = ["ops@example.com", "oncall@example.com"]
        built = build_with(tmp_path, "observability", {"alertEmails": addresses})
        subscriptions = built.of_type(SUBSCRIPTION)
        assert sorted(s.inputs["endpoint"] for s in subscriptions) == sorted(addresses)
        assert {(s.inputs["protocol"], s.inputs["topic"]) for s in subscriptions} == {
            ("email", f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:{ENVIRONMENT}-alerts")
        }


class TestEnvironmentLogGroups:
    """MWAA writes to the log groups the stack creates, so they expire and are encrypted with the platform key."""

    @pytest.mark.parametrize("log_type", LOG_GROUPS)
    def test_should_create_the_group_mwaa_writes_each_log_type_to(self, mwaa_stack: Built, log_type: str):
        names = {group.inputs["name"] for group in mwaa_stack.of_type(LOG_GROUP)}
        assert f"airflow-{ENVIRONMENT}-{LOG_GROUPS[log_type]}" in names

    def test_should_expire_them_like_the_task_logs(self, mwaa_stack: Built):
        days = stack_config_from(
            stack_config("mwaa"), stack="mwaa", settings=load_settings()
        ).storage.log_retention_days
        assert {group.inputs["retentionInDays"] for group in mwaa_stack.of_type(LOG_GROUP)} == {days}

    def test_should_follow_the_stacks_log_retention(self, tmp_path):
        built = build_with(tmp_path, "storage", {"logRetentionDays": 90})
        assert {group.inputs["retentionInDays"] for group in built.of_type(LOG_GROUP)} == {90}

    def test_should_encrypt_them_with_the_platform_key(self, mwaa_stack: Built):
        key_arn = f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/{platform_key(mwaa_stack).name}"
        assert {group.inputs["kmsKeyId"] for group in mwaa_stack.of_type(LOG_GROUP)} == {key_arn}
        # The key lets CloudWatch Logs use it for this account's log groups (test_stack_mwaa.py TestMwaaKey).
        assert "CloudWatchLogs" in [s["Sid"] for s in statements(platform_key(mwaa_stack))]

    def test_should_let_the_execution_role_write_to_each_of_them(self, mwaa_stack: Built):
        by_sid = {s["Sid"]: s for s in statements(mwaa_stack.one("aws:iam/rolePolicy:RolePolicy"))}
        (pattern,) = by_sid["AirflowLogs"]["Resource"]
        for group in mwaa_stack.of_type(LOG_GROUP):
            arn = f"arn:aws:logs:eu-west-1:{ACCOUNT_ID}:log-group:{group.inputs['name']}"
            assert fnmatch.fnmatchcase(arn, pattern), f"{arn} is outside the execution role's {pattern}"
