"""JobCompletedTrigger: serialisable, one event with a status, and polls that never block the event loop."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator

from airflow.triggers.base import TriggerEvent
from dataplatform_provider.api.jobs import TERMINAL_STATES
from dataplatform_provider.hooks.jobs import JobsHook
from dataplatform_provider.triggers.jobs import JobCompletedTrigger

from tests.providers.dataplatform.jobs_service import JobsService

# A loop stalled longer than this makes the triggerer log its blocked-thread warning (its default threshold).
TRIGGERER_BLOCKED_THRESHOLD_S = 0.2


def trigger_for(job_id: str, poll_interval: float = 0.1) -> JobCompletedTrigger:
    return JobCompletedTrigger(job_id=job_id, jobs_conn_id=JobsHook.default_conn_name, poll_interval=poll_interval)


# asyncio's debug mode times every callback the loop runs (each step of a task is one) and logs those that reach
# the loop's slow_callback_duration with this message, the duration as its last argument.
SLOW_CALLBACK_MESSAGE = "Executing %s took %.3f seconds"


class LongestCallback(logging.Handler):
    """The longest a single callback held the event loop, from asyncio's own debug-mode timings."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == SLOW_CALLBACK_MESSAGE:
            self.seconds = max(self.seconds, record.args[-1])


def events_and_loop_lag(trigger: JobCompletedTrigger) -> tuple[list[TriggerEvent], float]:
    """Run the trigger to its end on a debug-mode loop; return its events and the longest any callback held the
    loop, which is how long the trigger (or anything else) blocked it."""

    async def run() -> list[TriggerEvent]:
        asyncio.get_running_loop().slow_callback_duration = 0.0
        return [event async for event in trigger.run()]

    longest = LongestCallback()
    asyncio_logger = logging.getLogger("asyncio")
    asyncio_logger.addHandler(longest)
    try:
        events = asyncio.run(run(), debug=True)
    finally:
        asyncio_logger.removeHandler(longest)
    return events, longest.seconds


class BusyWaitTrigger(JobCompletedTrigger):
    """The book's trigger, for contrast: a blocking client and time.sleep inside run()."""

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = JobsHook(jobs_conn_id=self.jobs_conn_id)
        while hook.get_job(self.job_id)["state"] not in TERMINAL_STATES:
            time.sleep(self.poll_interval)
        yield TriggerEvent({"status": "success", "job_id": self.job_id})


class TestSerialization:
    """What the triggerer stores and rebuilds the trigger from."""

    def test_should_round_trip_through_serialize_as_json(self):
        classpath, kwargs = trigger_for("job-7", poll_interval=5).serialize()
        module, _, name = classpath.rpartition(".")
        rebuilt = getattr(importlib.import_module(module), name)(**json.loads(json.dumps(kwargs)))

        assert rebuilt.serialize() == (classpath, kwargs)
        assert kwargs == {"job_id": "job-7", "jobs_conn_id": "dataplatform_jobs_default", "poll_interval": 5}


class TestEvents:
    """One event per run, carrying a status."""

    def test_should_fire_success_once_the_job_succeeds(self, jobs_service: JobsService):
        jobs_service.run_seconds = 0.3
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]

        events, _ = events_and_loop_lag(trigger_for(job_id))

        assert [event.payload for event in events] == [
            {"status": "success", "job_id": job_id, "state": "succeeded", "message": ""}
        ]

    def test_should_fire_error_with_the_message_when_the_job_fails(self, jobs_service: JobsService):
        jobs_service.outcome = "failed"
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]

        events, _ = events_and_loop_lag(trigger_for(job_id))

        assert [event.payload for event in events] == [
            {"status": "error", "job_id": job_id, "state": "failed", "message": "compact-table exited with code 1"}
        ]

    def test_should_fire_error_when_the_service_refuses(self, jobs_service: JobsService):
        events, _ = events_and_loop_lag(trigger_for("job-404"))

        (event,) = events
        assert event.payload["status"] == "error"
        assert "HTTP 404" in event.payload["message"]


class TestPolling:
    """Waits between polls are asyncio sleeps: the loop stays free, and polls come poll_interval apart."""

    def test_should_poll_at_the_interval_without_blocking_the_loop(self, jobs_service: JobsService):
        jobs_service.run_seconds = 1.0
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]

        events, lag = events_and_loop_lag(trigger_for(job_id, poll_interval=0.2))

        assert events[0].payload["status"] == "success"
        reads = jobs_service.jobs[job_id].reads
        gaps = [later - earlier for earlier, later in itertools.pairwise(reads)]
        assert 4 <= len(reads) <= 7, f"{len(reads)} polls in 1 s at 0.2 s intervals"
        assert min(gaps) >= 0.19, gaps
        assert lag < TRIGGERER_BLOCKED_THRESHOLD_S, f"the event loop was held {lag:.3f} s"

    def test_should_look_the_connection_up_once_per_wait(self, jobs_service: JobsService, monkeypatch):
        """A lookup may build a secrets backend client while the loop waits: one per wait, not one per poll."""
        jobs_service.run_seconds = 0.5
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]
        lookups = []
        look_up = JobsHook.get_connection
        monkeypatch.setattr(
            JobsHook, "get_connection", classmethod(lambda cls, conn_id: lookups.append(conn_id) or look_up(conn_id))
        )

        events_and_loop_lag(trigger_for(job_id, poll_interval=0.1))

        assert len(jobs_service.jobs[job_id].reads) >= 4
        assert lookups == ["dataplatform_jobs_default"]

    def test_should_tell_a_blocking_trigger_apart(self, jobs_service: JobsService):
        """The measure above is able to see the book's defect: the same wait with time.sleep holds the loop."""
        jobs_service.run_seconds = 1.0
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]
        busy = BusyWaitTrigger(job_id=job_id, jobs_conn_id=JobsHook.default_conn_name, poll_interval=0.5)

        _, lag = events_and_loop_lag(busy)

        assert lag >= 0.45, f"the blocking trigger held the loop only {lag:.3f} s"
