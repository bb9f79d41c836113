"""Failure alerts reach Slack (a loopback webhook) and SNS (moto); the canary passes and pings its heartbeat URL
(a loopback dead-man's switch), or fails, alerts and pings nothing."""

from __future__ import annotations

import json

import pytest

from tests.examples.dagruns import load_dag, run_dag, task_states
from tests.examples.loopback import LoopbackServer, Response

WEBHOOK_TOKEN = "T0000/B0000/canarysecret"
HEARTBEAT_PATH = "/ping/0f6e3b1c-canary"


@pytest.fixture
def slack(monkeypatch):
    """A Slack incoming webhook on loopback, answering `ok` like Slack does."""
    with LoopbackServer(lambda request: Response(body="ok")) as server:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SLACK_ALERTS",
            json.dumps({"conn_type": "slackwebhook", "host": server.url, "password": WEBHOOK_TOKEN}),
        )
        yield server


@pytest.fixture
def sns_alerts(boto, monkeypatch):
    """The alerts topic with an SQS queue subscribed, so the test reads what SNS delivered."""
    sns, sqs = boto("sns"), boto("sqs")
    topic_arn = sns.create_topic(Name="platform-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("ALERTS_SNS_TOPIC_ARN", topic_arn)

    def delivered() -> list[dict]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return delivered


@pytest.fixture
def heartbeat(monkeypatch):
    """A dead-man's switch on loopback, its ping URL in the Variable the canary reads (here from the env)."""
    with LoopbackServer(lambda request: Response(body="OK")) as server:
        monkeypatch.setenv("AIRFLOW_VAR_PLATFORM_CANARY_HEARTBEAT_URL", server.url + HEARTBEAT_PATH)
        yield server


def test_should_alert_slack_and_sns_with_task_and_exception_when_a_task_fails(airflow_db, slack, sns_alerts):
    dag = load_dag("example_failure_alerts", "example_failure_alerts.py")

    dag_run = run_dag(dag, conf={"simulate_failure": True})

    assert dag_run.state == "failed", task_states(dag_run)
    (post,) = slack.calls("POST", f"/{WEBHOOK_TOKEN}")
    assert post.body["text"].startswith(":red_circle: example_failure_alerts.check_orders_arrived failed on try 1")
    assert "owner data-platform" in post.body["text"]
    assert "simulated failure: orders for the day are missing" in post.body["text"]
    (notification,) = sns_alerts()
    assert notification["Subject"] == "Airflow task failed: example_failure_alerts.check_orders_arrived"
    assert notification["Message"] == post.body["text"]


def test_should_send_no_alert_when_the_tasks_succeed(airflow_db, slack, sns_alerts):
    dag_run = run_dag(load_dag("example_failure_alerts", "example_failure_alerts.py"))

    assert dag_run.state == "success", task_states(dag_run)
    assert slack.requests == []
    assert sns_alerts() == []


def test_canary_should_pass_on_a_healthy_platform(airflow_db, boto, slack):
    boto("s3").create_bucket(Bucket="platform-dev-canary")

    dag_run = run_dag(load_dag("platform_canary", "platform_canary.py"))

    assert task_states(dag_run) == {
        "s3_roundtrip": "success",
        "connections_resolve": "success",
        "ping_heartbeat": "success",  # no heartbeat URL configured: nothing to ping
    }
    assert boto("s3").list_objects_v2(Bucket="platform-dev-canary")["KeyCount"] == 0
    assert slack.requests == []


def test_canary_should_ping_its_heartbeat_url_once_when_every_check_passes(airflow_db, boto, slack, heartbeat):
    boto("s3").create_bucket(Bucket="platform-dev-canary")

    dag_run = run_dag(load_dag("platform_canary", "platform_canary.py"))

    assert task_states(dag_run)["ping_heartbeat"] == "success"
    assert [(r.method, r.path) for r in heartbeat.requests] == [("GET", HEARTBEAT_PATH)]


def test_canary_should_fail_and_alert_when_the_heartbeat_url_refuses_the_ping(airflow_db, boto, slack, monkeypatch):
    boto("s3").create_bucket(Bucket="platform-dev-canary")
    with LoopbackServer(lambda request: Response(status=404, body="not a known check")) as refusing:
        monkeypatch.setenv("AIRFLOW_VAR_PLATFORM_CANARY_HEARTBEAT_URL", refusing.url + HEARTBEAT_PATH)
        dag_run = run_dag(load_dag("platform_canary", "platform_canary.py"))

    assert task_states(dag_run)["ping_heartbeat"] == "failed"
    (post,) = slack.requests
    assert "platform_canary.ping_heartbeat failed" in post.body["text"]
    assert "answered 404" in post.body["text"]
    assert refusing.url not in post.body["text"], "the alert must not carry the switch's URL"


def test_canary_should_fail_and_alert_when_a_connection_is_missing(airflow_db, boto, slack, heartbeat, monkeypatch):
    boto("s3").create_bucket(Bucket="platform-dev-canary")
    monkeypatch.setenv("CANARY_REQUIRED_CONNECTIONS", "aws_default,databricks_default")

    dag_run = run_dag(load_dag("platform_canary", "platform_canary.py"))

    assert task_states(dag_run) == {
        "s3_roundtrip": "success",
        "connections_resolve": "failed",
        "ping_heartbeat": "upstream_failed",
    }
    assert heartbeat.requests == [], "a failed canary must stay silent, so the switch alerts"
    (post,) = slack.requests
    assert "platform_canary.connections_resolve failed" in post.body["text"]
    assert "databricks_default" in post.body["text"]
