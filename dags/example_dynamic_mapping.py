"""
### Dynamic task mapping: one task instance per partition, decided at run time

`list_partitions` returns the regions to process today; `process_partition.expand(...)` creates one mapped
task instance per region (each retried and shown separately), and `summarize` reduces their results.

**Connections:** none.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "pattern"],
    default_args={"owner": "data-platform", "retries": 1},
    params={"regions": Param(["emea", "amer", "apac"], type="array", description="Partitions to process.")},
    doc_md=__doc__,
)
def example_dynamic_mapping():
    @task
    def list_partitions(params: dict | None = None) -> list[str]:
        """The partitions to process: only known at run time (here from params; usually a listing)."""
        return params["regions"]

    # [START howto_dynamic_mapping]
    @task(max_active_tis_per_dagrun=4)
    def process_partition(region: str, ds: str | None = None) -> dict:
        """Process one region; runs once per element of the upstream list."""
        return {"region": region, "rows": len(region) * 10, "date": ds}

    @task
    def summarize(results: list[dict]) -> int:
        """Reduce the mapped results into one number."""
        return sum(r["rows"] for r in results)

    summarize(process_partition.expand(region=list_partitions()))
    # [END howto_dynamic_mapping]


example_dynamic_mapping()
