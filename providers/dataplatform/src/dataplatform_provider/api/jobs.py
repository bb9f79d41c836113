"""The HTTP contract of the data platform's Jobs service, which the hook speaks and a service implements.

All paths are under the connection's base URL; requests and responses are JSON; the connection's password, when
set, travels as ``Authorization: Bearer <token>``.

==========================  ======================================================  ==========================
Request                     Body                                                    Answer
==========================  ======================================================  ==========================
``GET /api/v1/health``      –                                                       200 ``{"status": "ok"}``
``POST /api/v1/jobs``       ``{"name": str, "parameters": {str: any}}``             201 a job (below)
``GET /api/v1/jobs/{id}``   –                                                       200 a job; 404 unknown id
==========================  ======================================================  ==========================

A job is ``{"job_id": str, "name": str, "state": <state>, "message": str}``. Its state starts ``queued``, moves to
``running`` and ends ``succeeded`` or ``failed`` (``message`` then says why). Errors are 4xx/5xx with
``{"detail": str}``: 400 a malformed body, 401 a missing or wrong token, 404 an unknown job.
"""

from __future__ import annotations

from typing import Literal

API_PREFIX = "/api/v1"
HEALTH_PATH = f"{API_PREFIX}/health"
JOBS_PATH = f"{API_PREFIX}/jobs"

# Seconds one request may take unless the connection's extra `timeout` says otherwise.
DEFAULT_TIMEOUT_S = 30

JobState = Literal["queued", "running", "succeeded", "failed"]
SUCCEEDED: JobState = "succeeded"
FAILED: JobState = "failed"
TERMINAL_STATES: frozenset[str] = frozenset({SUCCEEDED, FAILED})


def job_path(job_id: str) -> str:
    """The path of one job's status."""
    return f"{JOBS_PATH}/{job_id}"
