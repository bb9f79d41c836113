"""Trigger that waits in the triggerer for a Jobs service job to finish."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from dataplatform_provider.api.jobs import SUCCEEDED, TERMINAL_STATES
from dataplatform_provider.hooks.jobs import JobsHook


class JobCompletedTrigger(BaseTrigger):
    """
    Poll a job's state every ``poll_interval`` seconds until it ends, then fire one event.

    Between polls it awaits ``asyncio.sleep`` and each poll awaits the HTTP call, so the triggerer's event loop
    keeps running every other trigger while this one waits. The event is ``{"status": "success" | "error",
    "job_id", "state", "message"}``; a job that ends ``failed`` or a service error both give ``"error"``.

    .. seealso::
        :class:`dataplatform_provider.sensors.jobs.JobCompletedSensor`, which defers to it.

    :param job_id: The job to wait for.
    :param jobs_conn_id: The Jobs service connection.
    :param poll_interval: Seconds between two polls.
    """

    def __init__(self, *, job_id: str, jobs_conn_id: str, poll_interval: float) -> None:
        super().__init__()
        self.job_id = job_id
        self.jobs_conn_id = jobs_conn_id
        self.poll_interval = poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"job_id": self.job_id, "jobs_conn_id": self.jobs_conn_id, "poll_interval": self.poll_interval},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = JobsHook(jobs_conn_id=self.jobs_conn_id)
        while True:
            try:
                job = await hook.aget_job(self.job_id)
            except Exception as err:  # any failure ends the wait: the sensor raises with it
                yield TriggerEvent({"status": "error", "job_id": self.job_id, "state": None, "message": str(err)})
                return
            if job["state"] in TERMINAL_STATES:
                status = "success" if job["state"] == SUCCEEDED else "error"
                yield TriggerEvent(
                    {"status": status, "job_id": self.job_id, "state": job["state"], "message": job.get("message", "")}
                )
                return
            self.log.info("Job %s is %s; next poll in %s s", self.job_id, job["state"], self.poll_interval)
            await asyncio.sleep(self.poll_interval)
