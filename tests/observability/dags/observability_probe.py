"""
### Observability probe: one run that makes Airflow report every kind of metric the platform watches

A task that succeeds, one that fails (no retries) unless the run's `fail` param is false, and one that defers
to a trigger that blocks the triggerer's event loop on purpose, so that the triggerer reports a blocked main
thread.
"""

from __future__ import annotations

import asyncio
import time

import pendulum
from airflow.sdk import BaseOperator, dag, task
from airflow.triggers.base import BaseTrigger, TriggerEvent

# Longer than the triggerer's blocked_main_thread_warning_threshold (0.2 s): the loop is reported as blocked.
BLOCKING_S = 1.0


class BlockingTrigger(BaseTrigger):
    """Fires at once, after blocking the event loop with a synchronous sleep (the mistake the metric catches)."""

    def serialize(self):
        return ("observability_probe.BlockingTrigger", {})

    async def run(self):
        time.sleep(BLOCKING_S)  # blocks the loop: what triggers.blocked_main_thread counts
        await asyncio.sleep(0)
        yield TriggerEvent({"status": "success"})


class DeferToBlockingTrigger(BaseOperator):
    """Defers to BlockingTrigger and succeeds when it fires."""

    def execute(self, context):
        self.defer(trigger=BlockingTrigger(), method_name="execute_complete")

    def execute_complete(self, context, event=None):
        if event["status"] != "success":
            raise RuntimeError(f"trigger failed: {event}")


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    params={"fail": True},
    default_args={"owner": "data-platform", "retries": 0},
    doc_md=__doc__,
)
def observability_probe():
    @task
    def succeed() -> int:
        """Runs for a moment and succeeds: a task duration and a success."""
        time.sleep(1)
        return 1

    @task
    def fail(params=None) -> None:
        """Fails on its only try when the `fail` param says so: a failed task instance (and a failed run)."""
        if params["fail"]:
            raise RuntimeError("failing on purpose: the failure metrics must count it")

    succeed()
    fail()
    DeferToBlockingTrigger(task_id="defer")


observability_probe()
