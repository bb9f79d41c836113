"""
### S3 CSV → JSON → DynamoDB, idempotent by run date

The classic small pipeline: wait for the day's orders CSV in the landing bucket, convert it to JSON lines in a
staging prefix, then load the rows into a DynamoDB table keyed on `(order_date, order_id)`.

Re-running a date gives the same table: items are keyed on the run date, rows that disappeared from a
corrected CSV are deleted, and the staging file is removed at the end whatever happened.

**Connections:** `aws_default` (S3 and DynamoDB).
**Environment:** `AIRFLOW_ENV_ID` (default `dev`) names the bucket `orders-<env>-landing` and the table
`orders-<env>`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from decimal import Decimal

import pendulum
from airflow.providers.amazon.aws.hooks.dynamodb import DynamoDBHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.s3 import S3DeleteObjectsOperator
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.sdk import chain, dag, task

ENV_ID = os.environ.get("AIRFLOW_ENV_ID", "dev")
BUCKET = f"orders-{ENV_ID}-landing"
TABLE = f"orders-{ENV_ID}"
INCOMING_KEY = "incoming/{{ ds }}/orders.csv"
STAGING_KEY = "staging/{{ ds }}/orders.jsonl"


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "s3", "dynamodb"],
    default_args={"owner": "data-platform", "retries": 2, "retry_delay": pendulum.duration(minutes=2)},
    doc_md=__doc__,
)
def example_s3_to_dynamodb():
    # [START howto_s3_to_dynamodb]
    wait_for_orders = S3KeySensor(
        task_id="wait_for_orders",
        bucket_name=BUCKET,
        bucket_key=INCOMING_KEY,
        deferrable=True,
        poke_interval=60,
        timeout=6 * 60 * 60,
    )

    @task
    def ensure_table() -> str:
        """Create the orders table on first use; later runs find it and do nothing."""
        client = DynamoDBHook().conn.meta.client
        if TABLE not in client.list_tables()["TableNames"]:
            client.create_table(
                TableName=TABLE,
                KeySchema=[
                    {"AttributeName": "order_date", "KeyType": "HASH"},
                    {"AttributeName": "order_id", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=[
                    {"AttributeName": "order_date", "AttributeType": "S"},
                    {"AttributeName": "order_id", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
            client.get_waiter("table_exists").wait(TableName=TABLE)
        return TABLE

    @task
    def csv_to_json(ds: str | None = None) -> str:
        """Convert the day's CSV rows to JSON lines in the staging prefix; return the staging key."""
        s3 = S3Hook()
        text = s3.read_key(key=f"incoming/{ds}/orders.csv", bucket_name=BUCKET)
        rows = [
            {
                "order_date": ds,
                "order_id": row["order_id"],
                "customer": row["customer"],
                "amount": row["amount"],
                "currency": row["currency"].upper(),
            }
            for row in csv.DictReader(io.StringIO(text))
        ]
        staging_key = f"staging/{ds}/orders.jsonl"
        s3.load_string("".join(json.dumps(r) + "\n" for r in rows), staging_key, BUCKET, replace=True)
        return staging_key

    @task
    def load_orders(staging_key: str, table: str, ds: str | None = None) -> int:
        """Replace the run date's items with the staged rows: same input, same table, however often."""
        lines = S3Hook().read_key(key=staging_key, bucket_name=BUCKET).splitlines()
        # Decimal, because DynamoDB refuses floats.
        items = [json.loads(line, parse_float=Decimal) for line in lines]
        for item in items:
            item["amount"] = Decimal(item["amount"])
        dynamo_table = DynamoDBHook(table_name=table, table_keys=["order_date", "order_id"]).get_conn().Table(table)
        existing = dynamo_table.query(
            KeyConditionExpression="order_date = :d",
            ExpressionAttributeValues={":d": ds},
            ProjectionExpression="order_id",
        )["Items"]
        stale = {e["order_id"] for e in existing} - {i["order_id"] for i in items}
        with dynamo_table.batch_writer(overwrite_by_pkeys=["order_date", "order_id"]) as batch:
            for order_id in stale:
                batch.delete_item(Key={"order_date": ds, "order_id": order_id})
            for item in items:
                batch.put_item(Item=item)
        return len(items)

    staging_key = csv_to_json()
    loaded = load_orders(staging_key, ensure_table())
    # [END howto_s3_to_dynamodb]

    # A teardown (all-done semantics): the staging file goes whatever the load did, and a failed load still
    # fails the run, which a plain trigger_rule="all_done" leaf would hide.
    remove_staging = S3DeleteObjectsOperator(task_id="remove_staging", bucket=BUCKET, keys=STAGING_KEY).as_teardown(
        setups=staging_key
    )

    chain(
        # SETUP / BODY
        wait_for_orders,
        staging_key,
        loaded,
        # TEARDOWN
        remove_staging,
    )


example_s3_to_dynamodb()
