"""A stateful stand-in for the Databricks Jobs API 2.2 and SQL Statement Execution API 2.0, per their docs.

Jobs can be created, reset, listed by name and run; runs (from `jobs/run-now` or `jobs/runs/submit`) get one
child task run per task. A run stays RUNNING until Airflow defers on it (a trigger watching its run id, or its
parent's, exists in the metadata DB), then it terminates: so the example only finishes if its operators really
take the deferrable path. A task key listed in `failing_task_keys` ends FAILED (and so does its parent run),
with an error from `jobs/runs/get-output`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.examples.loopback import Request, Response

# Run ids stay unique for the whole session: trigger rows of earlier tests stay in the metadata DB.
_RUN_IDS = itertools.count(1001)


@dataclass
class Run:
    run_id: int
    job_id: int | None
    run_name: str
    task_key: str | None = None
    parent: Run | None = None
    children: list[Run] = field(default_factory=list)
    failed: bool = False

    def is_done(self, watched: set[int]) -> bool:
        if self.run_id in watched or (self.parent is not None and self.parent.run_id in watched):
            return True
        return bool(self.children) and all(c.is_done(watched) for c in self.children)

    def state(self, watched: set[int]) -> dict[str, Any]:
        if not self.is_done(watched):
            return {"life_cycle_state": "RUNNING", "state_message": "In run"}
        failed = self.failed or any(c.failed for c in self.children)
        return {
            "life_cycle_state": "TERMINATED",
            "result_state": "FAILED" if failed else "SUCCESS",
            "state_message": "Workload failed" if failed else "",
        }


class DatabricksApi:
    """Answers loopback requests like a Databricks workspace; `answer` is the LoopbackServer callback."""

    def __init__(
        self,
        *,
        watched_runs: Callable[[], set[int]],
        watched_statements: Callable[[], set[str]],
        existing_jobs: dict[str, int] | None = None,
        failing_task_keys: frozenset[str] = frozenset(),
    ):
        self.watched_runs = watched_runs
        self.watched_statements = watched_statements
        self.jobs: dict[int, dict[str, Any]] = {
            job_id: {"name": name, "tasks": [{"task_key": "nightly"}]} for name, job_id in (existing_jobs or {}).items()
        }
        self.runs: dict[int, Run] = {}
        self.failing_task_keys = set(failing_task_keys)

    def _start_run(self, job_id: int | None, run_name: str, tasks: list[dict[str, Any]]) -> Run:
        run = Run(next(_RUN_IDS), job_id, run_name)
        for task in tasks:
            key = task["task_key"]
            child = Run(next(_RUN_IDS), job_id, run_name, key, run, failed=key in self.failing_task_keys)
            run.children.append(child)
            self.runs[child.run_id] = child
        self.runs[run.run_id] = run
        return run

    def _run_json(self, run: Run) -> dict[str, Any]:
        watched = self.watched_runs()
        body = {
            "run_id": run.run_id,
            "job_id": run.job_id,
            "run_name": run.run_name,
            "run_page_url": f"https://workspace.example/#job/{run.job_id}/run/{run.run_id}",
            "state": run.state(watched),
        }
        if run.children:
            body["tasks"] = [
                {
                    "task_key": c.task_key,
                    "run_id": c.run_id,
                    "state": c.state(watched),
                    "start_time": 1_700_000_000_000 + c.run_id,
                    "attempt_number": 0,
                }
                for c in run.children
            ]
        return body

    def answer(self, request: Request) -> Response:
        path, body = request.path.removeprefix("/api/"), request.body or {}
        # The sync hook sends GET parameters in the query string, the async (trigger) one as a JSON body.
        query = {**body, **{k: v[0] for k, v in request.query.items()}}
        if path == "2.2/jobs/list":
            jobs = [{"job_id": i, "settings": s} for i, s in self.jobs.items() if s["name"] == query.get("name")]
            return Response(body={"jobs": jobs} if jobs else {})
        if path == "2.2/jobs/create":
            job_id = next(_RUN_IDS)
            self.jobs[job_id] = body
            return Response(body={"job_id": job_id})
        if path == "2.2/jobs/reset":
            self.jobs[body["job_id"]] = body["new_settings"]
            return Response(body={})
        if path == "2.2/jobs/run-now":
            job = self.jobs.get(body["job_id"])
            if job is None:
                return Response(400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "Job does not exist."})
            run = self._start_run(body["job_id"], job["name"], job["tasks"])
            return Response(body={"run_id": run.run_id, "number_in_job": run.run_id})
        if path == "2.2/jobs/runs/submit":
            return Response(body={"run_id": self._start_run(None, body["run_name"], body["tasks"]).run_id})
        if path == "2.2/jobs/runs/get":
            return Response(body=self._run_json(self.runs[int(query["run_id"])]))
        if path == "2.2/jobs/runs/get-output":
            run = self.runs[int(query["run_id"])]
            error = {"error": f"{run.task_key} failed: table not found"} if run.failed else {}
            return Response(body={"metadata": {"run_id": run.run_id}, **error})
        if path == "2.0/sql/statements":
            return Response(body={"statement_id": "stmt-1", "status": {"state": "PENDING"}})
        if path == "2.0/sql/statements/stmt-1":
            state = "SUCCEEDED" if "stmt-1" in self.watched_statements() else "RUNNING"
            return Response(body={"statement_id": "stmt-1", "status": {"state": state}})
        return Response(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"No API found for {path}"})
