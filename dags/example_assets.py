"""
### Asset-driven scheduling: a consumer DAG runs when the producer updates the orders asset

`example_asset_producer` refreshes the curated orders and declares the `orders_curated` asset as its outlet,
with the row count as event metadata. `example_asset_consumer` has `schedule=[ORDERS_CURATED]`: the scheduler
queues it whenever the asset gets an event, with no time-based coupling between the two teams' DAGs.

**Connections:** none (the asset URI names the data; the tasks here stand in for real work).
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import Asset, Metadata, dag, task

ENV_ID = os.environ.get("AIRFLOW_ENV_ID", "dev")
# [START howto_asset_definition]
ORDERS_CURATED = Asset(name="orders_curated", uri=f"s3://orders-{ENV_ID}-lake/curated/orders")
# [END howto_asset_definition]

DEFAULT_ARGS = {"owner": "data-platform", "retries": 1}


@dag(
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "pattern", "assets"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def example_asset_producer():
    @task(outlets=[ORDERS_CURATED])
    def refresh_orders():
        """Refresh the curated orders, then emit the asset event with what changed."""
        yield Metadata(ORDERS_CURATED, {"rows": 1250})

    refresh_orders()


@dag(
    # [START howto_asset_schedule]
    schedule=[ORDERS_CURATED],
    # [END howto_asset_schedule]
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "pattern", "assets"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def example_asset_consumer():
    @task
    def build_report(triggering_asset_events=None) -> int:
        """Build the report from the asset events that triggered this run."""
        events = triggering_asset_events[ORDERS_CURATED] if triggering_asset_events else []
        return sum(event.extra.get("rows", 0) for event in events)

    build_report()


example_asset_producer()
example_asset_consumer()
