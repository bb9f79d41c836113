"""The CloudWatch alarms an MWAA environment gets, and the key policy of their SNS topic: pure, no Pulumi.

MWAA publishes Airflow's StatsD metrics to CloudWatch in the `AmazonMWAA` namespace, each with an `Environment`
dimension (the environment's name) and a second one saying where it comes from: `Function` (Scheduler,
Executor, DAG Processing) or `DAG` (the dag_id). The alarms hold the same thresholds as the Prometheus rules in
observability/prometheus/rules.yaml, where CloudWatch has the metric.
https://docs.aws.amazon.com/mwaa/latest/userguide/access-metrics-cw-202.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from infra.iam_documents import platform_key_policy

NAMESPACE = "AmazonMWAA"
CANARY_DAG_ID = "platform_canary"

Comparison = Literal["GreaterThanThreshold", "LessThanThreshold"]
MissingData = Literal["breaching", "notBreaching", "missing", "ignore"]


@dataclass(frozen=True)
class MetricStat:
    """One AmazonMWAA metric and how it is aggregated."""

    name: str
    """The CloudWatch metric name, e.g. SchedulerHeartbeat (MWAA's name for scheduler_heartbeat)."""
    dimensions: dict[str, str]
    """Its dimensions besides Environment, e.g. {"Function": "Scheduler"}."""
    statistic: str
    """Sum, Maximum, SampleCount...: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html"""
    period_s: int
    """The length of one datapoint, in seconds (60 or a multiple of it)."""


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: on a single metric, or on `expression` (CloudWatch metric math) over `metrics` by query id."""

    key: str
    """A stable suffix of the alarm's logical and AWS name, e.g. "scheduler-heartbeat"."""
    description: str
    """What firing means, naming the Prometheus rule that watches the same on EKS."""
    comparison: Comparison
    """How the datapoint compares with `threshold` to breach."""
    threshold: float
    """The value the datapoint is compared with."""
    evaluation_periods: int
    """How many breaching datapoints in a row fire the alarm."""
    treat_missing_data: MissingData
    """What a period without data counts as: "breaching" where silence is the failure (a heartbeat)."""
    metrics: dict[str, MetricStat] = field(default_factory=dict)
    """The metrics read, by query id (the names `expression` uses); exactly one when there is no expression."""
    expression: str | None = None
    """Metric math over `metrics` whose result is compared, or None to compare the one metric itself."""


def _executor(name: str, period_s: int) -> MetricStat:
    return MetricStat(name, {"Function": "Executor"}, "Maximum", period_s)


ALARMS: tuple[AlarmSpec, ...] = (
    AlarmSpec(
        key="scheduler-heartbeat",
        description="No scheduler heartbeat for 60 s: nothing gets scheduled (SchedulerDown).",
        comparison="LessThanThreshold",
        threshold=1,
        evaluation_periods=1,
        # No heartbeat published is what a dead scheduler looks like.
        treat_missing_data="breaching",
        metrics={"m": MetricStat("SchedulerHeartbeat", {"Function": "Scheduler"}, "Sum", 60)},
    ),
    AlarmSpec(
        key="queued-tasks",
        description="More than 50 tasks queued for 5 minutes (TooManyTasksQueued).",
        comparison="GreaterThanThreshold",
        threshold=50,
        evaluation_periods=1,
        treat_missing_data="notBreaching",
        metrics={"m": _executor("QueuedTasks", 300)},
    ),
    AlarmSpec(
        key="nothing-running",
        description="Tasks queued, yet none running, for 10 minutes (NoTasksRunning).",
        comparison="GreaterThanThreshold",
        threshold=0,
        evaluation_periods=1,
        treat_missing_data="notBreaching",
        metrics={"queued": _executor("QueuedTasks", 600), "running": _executor("RunningTasks", 600)},
        expression="IF(queued > 0 AND running == 0, 1, 0)",
    ),
    AlarmSpec(
        key="import-errors",
        description="A DAG file fails to import (DagImportErrors).",
        comparison="GreaterThanThreshold",
        threshold=0,
        evaluation_periods=1,
        treat_missing_data="notBreaching",
        metrics={"m": MetricStat("ImportErrors", {"Function": "DAG Processing"}, "Maximum", 60)},
    ),
    AlarmSpec(
        key="canary-silent",
        description="The platform canary has not succeeded for 30 minutes (PlatformCanarySilent).",
        comparison="LessThanThreshold",
        threshold=1,
        evaluation_periods=1,
        # A canary that stopped running publishes nothing: silence is the alarm.
        treat_missing_data="breaching",
        metrics={"m": MetricStat("DAGDurationSuccess", {"DAG": CANARY_DAG_ID}, "SampleCount", 1800)},
    ),
)
"""Every alarm MwaaAlarms creates."""


def metric_query(query_id: str, stat: MetricStat, environment_name: Any, *, return_data: bool) -> dict[str, Any]:
    """One `metric_queries` entry of aws.cloudwatch.MetricAlarm (its argument names) reading `stat` for the
    environment; `environment_name` is passed through as it is (a string, or a Pulumi output)."""
    return {
        "id": query_id,
        "return_data": return_data,
        "metric": {
            "namespace": NAMESPACE,
            "metric_name": stat.name,
            "dimensions": {"Environment": environment_name, **stat.dimensions},
            "stat": stat.statistic,
            "period": stat.period_s,
        },
    }


def alarm_queries(spec: AlarmSpec, environment_name: Any) -> list[dict[str, Any]]:
    """The alarm's metric queries: its one metric, or its metrics plus the expression that returns the data."""
    if spec.expression is None:
        ((query_id, stat),) = spec.metrics.items()
        return [metric_query(query_id, stat, environment_name, return_data=True)]
    metrics = [metric_query(qid, stat, environment_name, return_data=False) for qid, stat in spec.metrics.items()]
    return [*metrics, {"id": "alarm", "expression": spec.expression, "label": spec.key, "return_data": True}]


def topic_key_policy(*, account_id: str, region: str) -> dict[str, Any]:
    """The alert topic key's policy: the account's IAM delegation, plus CloudWatch alarms of this account, which
    must encrypt what they publish (they can't use the AWS-managed SNS key).
    https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"""
    policy = platform_key_policy(account_id=account_id, region=region, cloudwatch_logs=False, autoscaling_volumes=False)
    policy["Statement"].append(
        {
            "Sid": "CloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )
    return policy
