"""example_lambda: the real operator against a loopback endpoint answering the Lambda Invoke API."""

from __future__ import annotations

import json

import pytest

from tests.examples.dagruns import AWS_REGION, LOGICAL_DATE, load_dag, run_dag, task_states
from tests.examples.loopback import LoopbackServer, Response

INVOKE_PATH = "/2015-03-31/functions/orders-dev-enrich/invocations"


def lambda_endpoint(monkeypatch, answer: Response) -> LoopbackServer:
    """Serve Invoke on loopback and point only the connection's `lambda` service at it."""
    server = LoopbackServer(lambda request: answer)
    extra = {"region_name": AWS_REGION, "service_config": {"lambda": {"endpoint_url": server.url}}}
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps({"conn_type": "aws", "extra": extra}))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    return server


@pytest.mark.parametrize(
    ("answer", "run_state", "invoke_state"),
    [
        (
            Response(body={"enriched": 42}, headers={"X-Amz-Executed-Version": "$LATEST"}),
            "success",
            "success",
        ),
        (
            Response(
                body={"errorMessage": "enrichment table missing", "errorType": "KeyError"},
                headers={"X-Amz-Function-Error": "Unhandled", "X-Amz-Executed-Version": "$LATEST"},
            ),
            "failed",
            "failed",
        ),
    ],
    ids=["function-succeeds", "function-error"],
)
def test_should_invoke_with_the_run_date_and_fail_on_function_error(
    airflow_db, monkeypatch, answer, run_state, invoke_state
):
    with lambda_endpoint(monkeypatch, answer) as server:
        dag_run = run_dag(load_dag("example_lambda", "example_lambda.py"))

    states = task_states(dag_run)
    assert dag_run.state == run_state, states
    assert states["enrich_orders"] == invoke_state
    (invoke,) = server.calls("POST", INVOKE_PATH)
    assert invoke.headers["X-Amz-Invocation-Type"] == "RequestResponse"
    assert invoke.headers["X-Amz-Log-Type"] == "Tail"
    assert invoke.body == {
        "date": LOGICAL_DATE.to_date_string(),
        "run_id": dag_run.run_id,
        "source": "orders",
    }
    assert "us-east-1/lambda/aws4_request" in invoke.headers["Authorization"]
