"""
### TaskFlow ETL

The smallest complete pipeline: extract a few orders, total them per customer, and report the result.
It shows the Airflow 3 TaskFlow API (`airflow.sdk`), values passed between tasks through XCom, and the
defaults every DAG on this platform carries (owner, retries, tags, no catchup).

Connections: none. It is the DAG `make dev` users trigger first, and the one the tests run end to end.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "taskflow"],
    default_args={"owner": "data-platform", "retries": 2},
    doc_md=__doc__,
)
def taskflow_etl():
    @task
    def extract() -> list[dict]:
        """Return the day's orders (inline here; a real pipeline reads them from S3 or a database)."""
        return [
            {"customer": "acme", "amount": 120.0},
            {"customer": "globex", "amount": 80.5},
            {"customer": "acme", "amount": 30.0},
        ]

    @task
    def transform(orders: list[dict]) -> dict[str, float]:
        """Total the order amounts per customer."""
        totals: dict[str, float] = {}
        for order in orders:
            totals[order["customer"]] = totals.get(order["customer"], 0.0) + order["amount"]
        return totals

    @task
    def load(totals: dict[str, float]) -> int:
        """Report the totals; the number of customers is returned so callers can check it."""
        for customer, total in sorted(totals.items()):
            print(f"{customer}: {total:.2f}")
        return len(totals)

    load(transform(extract()))


taskflow_etl()
