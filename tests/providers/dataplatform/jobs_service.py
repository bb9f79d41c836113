"""The Jobs service of dataplatform_provider.api.jobs, served on loopback for the tests (a LoopbackServer).

It implements the contract the provider defines (paths, bodies, states, errors), so the hook, operator, trigger and
sensor run against real HTTP. What a job does is the test's choice: each one ends with `outcome` once
`run_seconds` have passed, or, with `run_seconds=None`, when the test calls `finish()`.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from dataplatform_provider.api.jobs import FAILED, HEALTH_PATH, JOBS_PATH, SUCCEEDED, TERMINAL_STATES, job_path

from tests.examples.loopback import LoopbackServer, Request, Response

TOKEN = "jobs-test-token"  # pragma: allowlist secret - a value this loopback service alone accepts


@dataclass
class Job:
    job_id: str
    name: str
    parameters: dict[str, Any]
    finish_at: float | None
    outcome: str
    state: str = "queued"
    message: str = ""
    # time.monotonic() of every status read, so a test can see how often a trigger polled.
    reads: list[float] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        if self.state not in TERMINAL_STATES:
            done = self.finish_at is not None and time.monotonic() >= self.finish_at
            self.state = self.outcome if done else "running"
            if done and self.outcome == FAILED:
                self.message = f"{self.name} exited with code 1"
        return {"job_id": self.job_id, "name": self.name, "state": self.state, "message": self.message}


class JobsService:
    """`with JobsService(...) as service:` serves the contract on `service.url`."""

    def __init__(
        self,
        *,
        job_names: Collection[str] = ("compact-table",),
        run_seconds: float | None = 0.0,
        outcome: str = SUCCEEDED,
    ):
        self.job_names = set(job_names)
        self.run_seconds = run_seconds
        self.outcome = outcome
        self.jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = LoopbackServer(self.answer)
        self.url = self.server.url

    def __enter__(self) -> JobsService:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def connection(self, token: str = TOKEN) -> dict[str, Any]:
        """The Airflow connection (AIRFLOW_CONN_* JSON) that reaches this service."""
        return {"conn_type": "dataplatform_jobs", "host": self.url, "password": token, "extra": {"timeout": 5}}

    def finish(self, job_id: str, outcome: str = SUCCEEDED) -> None:
        with self._lock:
            job = self.jobs[job_id]
            job.outcome, job.finish_at = outcome, time.monotonic()

    def only_job(self) -> Job:
        with self._lock:
            (job,) = self.jobs.values()
            return job

    # ---- the contract --------------------------------------------------------------------------------------

    def answer(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response(401, {"detail": "missing or wrong API token"})
        with self._lock:
            if request.method == "GET" and request.path == HEALTH_PATH:
                return Response(200, {"status": "ok"})
            if request.method == "POST" and request.path == JOBS_PATH:
                return self._submit(request.body)
            job_id = request.path.rsplit("/", 1)[-1]
            if request.method == "GET" and request.path == job_path(job_id):
                if job_id not in self.jobs:
                    return Response(404, {"detail": f"no job {job_id}"})
                self.jobs[job_id].reads.append(time.monotonic())
                return Response(200, self.jobs[job_id].view())
        return Response(404, {"detail": f"no route {request.method} {request.path}"})

    def _submit(self, body: Any) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("parameters"), dict):
            return Response(400, {"detail": "body must be {'name': str, 'parameters': {...}}"})
        if body.get("name") not in self.job_names:
            return Response(400, {"detail": f"unknown job name {body.get('name')!r}; known: {sorted(self.job_names)}"})
        job_id = f"job-{next(self._ids)}"
        finish_at = None if self.run_seconds is None else time.monotonic() + self.run_seconds
        job = Job(job_id, body["name"], body["parameters"], finish_at, self.outcome)
        self.jobs[job_id] = job
        return Response(201, {"job_id": job_id, "name": job.name, "state": job.state, "message": ""})
