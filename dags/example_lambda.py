"""
### Lambda: invoke a function synchronously and fail the task on a function error

Invokes the `orders-<env>-enrich` function with the run date, waits for its answer (`RequestResponse`) and
hands the returned JSON to the next task. A function that raises (Lambda's `FunctionError`) fails the task,
so an error inside Lambda is never mistaken for success.

**Connections:** `aws_default` (Lambda).
**Environment:** `AIRFLOW_ENV_ID` (default `dev`) names the function.
"""

from __future__ import annotations

import json
import os

import pendulum
from airflow.providers.amazon.aws.operators.lambda_function import LambdaInvokeFunctionOperator
from airflow.sdk import chain, dag, task

ENV_ID = os.environ.get("AIRFLOW_ENV_ID", "dev")
FUNCTION = f"orders-{ENV_ID}-enrich"


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "lambda"],
    default_args={"owner": "data-platform", "retries": 1, "retry_delay": pendulum.duration(minutes=2)},
    doc_md=__doc__,
)
def example_lambda():
    # [START howto_lambda_invoke]
    enrich_orders = LambdaInvokeFunctionOperator(
        task_id="enrich_orders",
        function_name=FUNCTION,
        invocation_type="RequestResponse",
        log_type="Tail",
        payload=json.dumps({"date": "{{ ds }}", "run_id": "{{ run_id }}", "source": "orders"}),
    )
    # [END howto_lambda_invoke]

    @task
    def record_result(response: str) -> int:
        """Read the function's answer; a payload without `enriched` is a contract break, not a success."""
        answer = json.loads(response)
        if "enriched" not in answer:
            raise ValueError(f"{FUNCTION} answered without 'enriched': {answer}")
        return answer["enriched"]

    chain(enrich_orders, record_result(enrich_orders.output))


example_lambda()
