"""
### Branching: full reload on the first day of the month, incremental load otherwise

`choose_load` returns the task id to follow; the other branch is skipped, and `publish` (trigger rule
`none_failed_min_one_success`) runs after whichever branch ran.

**Connections:** none.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import TriggerRule, dag, task


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "pattern"],
    default_args={"owner": "data-platform", "retries": 1},
    doc_md=__doc__,
)
def example_branching():
    # [START howto_branching]
    @task.branch
    def choose_load(logical_date=None) -> str:
        """Full reload on the 1st of the month (late corrections land then), incremental otherwise."""
        return "full_reload" if logical_date.day == 1 else "incremental_load"

    @task
    def full_reload() -> str:
        """Rebuild the whole table."""
        return "full"

    @task
    def incremental_load() -> str:
        """Append the day's rows."""
        return "incremental"

    # The skipped branch must not skip the join: run after whichever branch succeeded.
    @task(trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    def publish() -> None:
        """Publish the table once either load finished."""

    choose_load() >> [full_reload(), incremental_load()] >> publish()
    # [END howto_branching]


example_branching()
