"""MwaaAlarms under the mock runtime: CloudWatch alarms on MWAA's metrics, notifying a KMS-encrypted SNS topic.

These build the component on its own; test_stack_mwaa.py checks it wired into the mwaa stack.
"""

from __future__ import annotations

import json

import pulumi
import pytest

from infra.alarm_rules import ALARMS, CANARY_DAG_ID, NAMESPACE, alarm_queries, topic_key_policy
from infra.alarms import MwaaAlarms, MwaaAlarmsArgs
from tests.infra.harness import ACCOUNT_ID, Built, run_under_mocks

pytestmark = pytest.mark.infra

ENVIRONMENT = "airflow-dev"
COMPONENT = "airflow-dev-alarms"
EMAILS = ("ops@example.com", "oncall@example.com")
ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm"


def build(args: MwaaAlarmsArgs, built: Built | None = None) -> Built:
    return run_under_mocks("mwaa", {}, lambda: MwaaAlarms(COMPONENT, args), built)


@pytest.fixture
def alarms() -> Built:
    return build(
        MwaaAlarmsArgs(environment_name=ENVIRONMENT, account_id=ACCOUNT_ID, region="eu-west-1", email_endpoints=EMAILS)
    )


def alarm(built: Built, key: str) -> dict:
    return built.find_created(ALARM_TYPE, f"{COMPONENT}-{key}").inputs


def metrics(inputs: dict) -> dict[str, dict]:
    """The alarm's metric queries by id, each query's metric."""
    return {query["id"]: query.get("metric") for query in inputs["metricQueries"]}


class TestMwaaAlarmsResources:
    """What the component creates, and how it is wired."""

    def test_should_create_a_key_a_topic_a_subscription_per_address_and_every_alarm(self, alarms: Built):
        assert alarms.type_counts() == {
            "airflow-aws:alarms:MwaaAlarms": 1,
            ALARM_TYPE: len(ALARMS),
            "aws:kms/key:Key": 1,
            "aws:sns/topic:Topic": 1,
            "aws:sns/topicSubscription:TopicSubscription": len(EMAILS),
        }

    def test_should_encrypt_the_topic_with_its_rotating_key(self, alarms: Built):
        key = alarms.one("aws:kms/key:Key").inputs
        topic = alarms.one("aws:sns/topic:Topic").inputs
        assert key["enableKeyRotation"] is True
        assert topic["kmsMasterKeyId"] == f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/{COMPONENT}-topic-key"
        assert topic["name"] == f"{ENVIRONMENT}-alerts"

    def test_should_let_only_this_accounts_cloudwatch_encrypt_with_the_key(self, alarms: Built):
        statements = {s["Sid"]: s for s in json.loads(alarms.one("aws:kms/key:Key").inputs["policy"])["Statement"]}
        cloudwatch = statements["CloudWatchAlarmsPublish"]
        assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert sorted(cloudwatch["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
        assert cloudwatch["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}

    def test_should_subscribe_each_address_by_email(self, alarms: Built):
        subscriptions = alarms.of_type("aws:sns/topicSubscription:TopicSubscription")
        assert sorted(s.inputs["endpoint"] for s in subscriptions) == sorted(EMAILS)
        assert {s.inputs["protocol"] for s in subscriptions} == {"email"}

    @pytest.mark.parametrize("spec", ALARMS, ids=[spec.key for spec in ALARMS])
    def test_should_notify_the_topic_when_an_alarm_fires_and_recovers(self, alarms: Built, spec):
        inputs = alarm(alarms, spec.key)
        topic_arn = f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:{ENVIRONMENT}-alerts"
        assert inputs["name"] == f"{ENVIRONMENT}-{spec.key}"
        assert inputs["alarmActions"] == inputs["okActions"] == [topic_arn]

    @pytest.mark.parametrize("spec", ALARMS, ids=[spec.key for spec in ALARMS])
    def test_should_read_the_environments_metrics_in_the_mwaa_namespace(self, alarms: Built, spec):
        for metric in filter(None, metrics(alarm(alarms, spec.key)).values()):
            assert metric["namespace"] == NAMESPACE == "AmazonMWAA"
            assert metric["dimensions"]["Environment"] == ENVIRONMENT

    def test_should_parent_every_child_to_the_component_or_the_topic(self, alarms: Built):
        component = alarms.one("airflow-aws:alarms:MwaaAlarms")
        topic = alarms.one("aws:sns/topic:Topic")
        for resource in alarms.resources:
            if resource is component:
                continue
            expected = topic.urn if resource.type.startswith("aws:sns/topicSubscription") else component.urn
            assert resource.parent == expected, f"{resource.name} is parented to {resource.parent}"

    def test_should_register_the_topic_and_the_alarm_names(self, alarms: Built):
        component = alarms.one("airflow-aws:alarms:MwaaAlarms")
        assert alarms.registered_outputs[component.urn] == {"topic_arn", "alarm_names"}


class TestMwaaAlarmThresholds:
    """The alarms hold the seed thresholds on MWAA's own metric names and dimensions."""

    def test_should_breach_on_60_seconds_without_a_scheduler_heartbeat(self, alarms: Built):
        inputs = alarm(alarms, "scheduler-heartbeat")
        metric = metrics(inputs)["m"]
        assert (metric["metricName"], metric["dimensions"]["Function"]) == ("SchedulerHeartbeat", "Scheduler")
        assert (metric["stat"], metric["period"]) == ("Sum", 60)
        assert (inputs["comparisonOperator"], inputs["threshold"], inputs["evaluationPeriods"]) == (
            "LessThanThreshold",
            1,
            1,
        )
        assert inputs["treatMissingData"] == "breaching"

    def test_should_fire_on_more_than_50_queued_tasks(self, alarms: Built):
        inputs = alarm(alarms, "queued-tasks")
        metric = metrics(inputs)["m"]
        assert (metric["metricName"], metric["dimensions"]["Function"], metric["stat"]) == (
            "QueuedTasks",
            "Executor",
            "Maximum",
        )
        assert (inputs["comparisonOperator"], inputs["threshold"]) == ("GreaterThanThreshold", 50)

    def test_should_fire_when_tasks_queue_and_none_run_for_10_minutes(self, alarms: Built):
        inputs = alarm(alarms, "nothing-running")
        queries = {query["id"]: query for query in inputs["metricQueries"]}
        assert queries["alarm"]["expression"] == "IF(queued > 0 AND running == 0, 1, 0)"
        assert queries["alarm"]["returnData"] is True
        assert {
            qid: (q["metric"]["metricName"], q["metric"]["period"]) for qid, q in queries.items() if "metric" in q
        } == {
            "queued": ("QueuedTasks", 600),
            "running": ("RunningTasks", 600),
        }
        assert not queries["queued"]["returnData"] and not queries["running"]["returnData"]

    def test_should_fire_on_any_dag_import_error(self, alarms: Built):
        inputs = alarm(alarms, "import-errors")
        metric = metrics(inputs)["m"]
        assert (metric["metricName"], metric["dimensions"]["Function"]) == ("ImportErrors", "DAG Processing")
        assert (inputs["comparisonOperator"], inputs["threshold"]) == ("GreaterThanThreshold", 0)

    def test_should_treat_a_silent_canary_as_breaching(self, alarms: Built):
        inputs = alarm(alarms, "canary-silent")
        metric = metrics(inputs)["m"]
        assert (metric["metricName"], metric["dimensions"]["DAG"]) == ("DAGDurationSuccess", CANARY_DAG_ID)
        assert (metric["stat"], metric["period"]) == ("SampleCount", 1800)
        assert inputs["treatMissingData"] == "breaching"


class TestMwaaAlarmsArgs:
    """Inputs the component refuses before creating anything, naming the field and the way out."""

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            (
                {"email_endpoints": ("ops.example.com",)},
                r"email_endpoints: \['ops.example.com'\] are not email addresses",
            ),
            ({"key_deletion_window_days": 3}, "key_deletion_window_days: 3 is outside KMS' 7 to 30 days; fix: "),
        ],
    )
    def test_should_refuse(self, changes: dict, message: str):
        args = MwaaAlarmsArgs(environment_name=ENVIRONMENT, account_id=ACCOUNT_ID, region="eu-west-1", **changes)
        built = Built()
        with pytest.raises(pulumi.RunError, match=f"{COMPONENT}: MwaaAlarms inputs are invalid:\n  {message}"):
            build(args, built)
        assert [r.type for r in built.resources] == ["airflow-aws:alarms:MwaaAlarms"]


class TestAlarmRules:
    """The pure pieces: query shapes and the key policy."""

    def test_should_return_the_single_metric_of_a_plain_alarm(self):
        (spec,) = [s for s in ALARMS if s.key == "import-errors"]
        (query,) = alarm_queries(spec, "env")
        assert query["return_data"] is True
        assert query["metric"]["dimensions"] == {"Environment": "env", "Function": "DAG Processing"}

    def test_should_keep_the_accounts_iam_delegation_in_the_key_policy(self):
        sids = [s["Sid"] for s in topic_key_policy(account_id=ACCOUNT_ID, region="eu-west-1")["Statement"]]
        assert sids == ["DelegateToIam", "CloudWatchAlarmsPublish"]
