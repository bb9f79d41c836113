"""example_s3_to_dynamodb: a full run against moto stores the day's orders, idempotently."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.examples.dagruns import LOGICAL_DATE, load_dag, run_dag, task_states

BUCKET = "orders-dev-landing"
TABLE = "orders-dev"
DS = LOGICAL_DATE.to_date_string()
CSV = "order_id,customer,amount,currency\nA1,acme,10.50,eur\nA2,globex,3,usd\nA3,initech,7.25,eur\n"


@pytest.fixture
def landing(boto):
    s3 = boto("s3")
    s3.create_bucket(Bucket=BUCKET)
    return s3


def orders_of_the_day(boto) -> dict[str, dict]:
    items = boto("dynamodb").scan(TableName=TABLE)["Items"]
    return {i["order_id"]["S"]: i for i in items if i["order_date"]["S"] == DS}


def test_should_store_each_csv_row_as_an_item_and_remove_staging(airflow_db, landing, boto):
    landing.put_object(Bucket=BUCKET, Key=f"incoming/{DS}/orders.csv", Body=CSV.encode())

    dag_run = run_dag(load_dag("example_s3_to_dynamodb", "example_s3_to_dynamodb.py"))

    assert dag_run.state == "success", task_states(dag_run)
    orders = orders_of_the_day(boto)
    assert sorted(orders) == ["A1", "A2", "A3"]
    assert orders["A1"]["customer"] == {"S": "acme"}
    assert Decimal(orders["A1"]["amount"]["N"]) == Decimal("10.50")
    assert orders["A2"]["currency"] == {"S": "USD"}
    assert landing.list_objects_v2(Bucket=BUCKET, Prefix="staging/")["KeyCount"] == 0


def test_should_converge_to_the_corrected_csv_when_a_date_is_rerun(airflow_db, landing, boto):
    dag = load_dag("example_s3_to_dynamodb", "example_s3_to_dynamodb.py")
    landing.put_object(Bucket=BUCKET, Key=f"incoming/{DS}/orders.csv", Body=CSV.encode())
    assert run_dag(dag).state == "success"

    corrected = "order_id,customer,amount,currency\nA1,acme,11,eur\nA3,initech,7.25,eur\n"
    landing.put_object(Bucket=BUCKET, Key=f"incoming/{DS}/orders.csv", Body=corrected.encode())
    assert run_dag(dag).state == "success"
    assert run_dag(dag).state == "success"

    orders = orders_of_the_day(boto)
    assert sorted(orders) == ["A1", "A3"]
    assert Decimal(orders["A1"]["amount"]["N"]) == Decimal("11")
