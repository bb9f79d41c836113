"""Airflow 3's public REST API (/api/v2) as a user reaches it: a token from /auth/token, then bearer requests.

One client for every caller: the `make dev` tests and bench, the native stack, its tests and its bench, and the
runbook commands (`python -m ops`), which reach any deployment's API with it. Every list endpoint is read page by
page, because the API caps a page at `[api] maximum_page_limit`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from local_airflow.processes import wait_for

TERMINAL_RUN_STATES = ("success", "failed")
REQUEST_TIMEOUT_S = 30


class AirflowAPIError(RuntimeError):
    """The API refused a request; the message carries the method, the path and the response."""

    def __init__(self, method: str, path: str, response: requests.Response):
        super().__init__(f"{method} {path} -> {response.status_code}: {response.text[:2000]}")
        self.response = response
        self.status_code = response.status_code


class AirflowClient:
    """A session logged in as `username`: each stack passes its own admin login (none is assumed here)."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        token = self.session.post(
            f"{self.base_url}/auth/token",
            json={"username": username, "password": password},
            timeout=REQUEST_TIMEOUT_S,
        )
        if not token.ok:
            raise AirflowAPIError("POST", "/auth/token", token)
        self.session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    # ---- requests ------------------------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call to /api/v2`path`; its JSON, or AirflowAPIError when the status is not 2xx."""
        response = self.session.request(method, f"{self.base_url}/api/v2{path}", timeout=REQUEST_TIMEOUT_S, **kwargs)
        if not response.ok:
            raise AirflowAPIError(method, path, response)
        # DELETE answers 204 with no body.
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def get_all(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """Every entry of a list endpoint (`key` holds a page's entries), by offset until `total_entries`."""
        entries: list[dict[str, Any]] = []
        while True:
            page = self.get(path, **params, offset=len(entries))
            entries += page[key]
            if not page[key] or len(entries) >= page["total_entries"]:
                return entries

    # ---- DAGs ----------------------------------------------------------------------------------------------

    def dag_exists(self, dag_id: str) -> bool:
        """Whether the DAG is serialized, i.e. the dag-processor has parsed it."""
        try:
            self.get(f"/dags/{dag_id}")
        except AirflowAPIError as err:
            if err.status_code == 404:
                return False
            raise
        return True

    def wait_dag(self, dag_id: str, timeout: float = 120) -> None:
        wait_for(lambda: self.dag_exists(dag_id), timeout, f"DAG {dag_id} to be parsed")

    def dag(self, dag_id: str) -> dict[str, Any]:
        return self.get(f"/dags/{dag_id}")

    def dag_ids(self) -> list[str]:
        return [dag["dag_id"] for dag in self.get_all("/dags", "dags")]

    def tasks(self, dag_id: str) -> list[dict[str, Any]]:
        """The DAG's tasks (one page holds them all: the endpoint is not paged)."""
        return self.get(f"/dags/{dag_id}/tasks")["tasks"]

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": paused})

    def unpause(self, dag_id: str) -> None:
        self.set_paused(dag_id, False)

    def dag_versions(self, dag_id: str) -> list[dict[str, Any]]:
        return self.get_all(f"/dags/{dag_id}/dagVersions", "dag_versions", order_by="version_number")

    def import_errors(self) -> list[dict[str, Any]]:
        return self.get_all("/importErrors", "import_errors")

    # ---- runs ----------------------------------------------------------------------------------------------

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None, parse_timeout: float = 120) -> str:
        """Start a run now, once the DAG is parsed; return its run id."""
        self.wait_dag(dag_id, parse_timeout)
        run = self.request("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": dict(conf or {})})
        return run["dag_run_id"]

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}")

    def runs(self, dag_id: str, **filters: Any) -> list[dict[str, Any]]:
        """The DAG's runs matching the endpoint's filters (state=..., run_type=..., logical_date_gte=...)."""
        return self.get_all(f"/dags/{dag_id}/dagRuns", "dag_runs", **filters)

    def set_run_state(self, dag_id: str, run_id: str, state: str) -> dict[str, Any]:
        return self.request("PATCH", f"/dags/{dag_id}/dagRuns/{run_id}", json={"state": state})

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.run(dag_id, run_id)["state"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 300, interval: float = 0.25) -> str:
        """Poll until the run ends; return its final state. Each poll costs the API server a load of every task
        instance of the run (the response lists its DAG versions), so a bench measuring a big run polls less
        often."""

        def finished() -> str | None:
            state = self.run_state(dag_id, run_id)
            return state if state in TERMINAL_RUN_STATES else None

        return wait_for(
            finished,
            timeout,
            f"run {run_id} of {dag_id} to finish",
            interval=interval,
            diagnostics=lambda: f"state now: {self.run_state(dag_id, run_id)}",
        )

    # ---- task instances ------------------------------------------------------------------------------------

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return self.get_all(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", "task_instances")

    def tries(self, dag_id: str, run_id: str, task_id: str) -> list[dict[str, Any]]:
        return self.get_all(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/tries", "task_instances")

    def set_task_state(self, dag_id: str, run_id: str, task_id: str, state: str) -> list[dict[str, Any]]:
        """Set one task instance's state; the task instances that changed."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"
        return self.request("PATCH", path, json={"new_state": state})["task_instances"]

    def clear_task_instances(self, dag_id: str, **body: Any) -> list[dict[str, Any]]:
        """POST clearTaskInstances with `body` (dry_run, only_failed, dag_run_id, task_ids, ...); what it cleared,
        or with dry_run=True what it would clear."""
        return self.request("POST", f"/dags/{dag_id}/clearTaskInstances", json=body)["task_instances"]

    def wait_task_state(
        self, dag_id: str, run_id: str, task_id: str, states: tuple[str, ...], timeout: float = 120
    ) -> str:
        def reached() -> str | None:
            state = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")["state"]
            return state if state in states else None

        return wait_for(reached, timeout, f"{dag_id}.{task_id} to be {' or '.join(states)}", interval=0.25)

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        """The value as the task returned it (`deserialize`), not the serialized form the database holds."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}"
        return self.get(path, deserialize="true")["value"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        """The log as the UI shows it: one line per structured event, wherever the API server found it."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}"
        content = self.request("GET", path, params={"full_content": "true"}, headers={"Accept": "application/json"})[
            "content"
        ]
        return "\n".join(entry.get("event", "") if isinstance(entry, dict) else str(entry) for entry in content)

    # ---- backfills -----------------------------------------------------------------------------------------

    def create_backfill(self, **body: Any) -> dict[str, Any]:
        """POST /backfills (dag_id, from_date, to_date, max_active_runs, reprocess_behavior, ...)."""
        return self.request("POST", "/backfills", json=body)

    def backfill_dry_run(self, **body: Any) -> list[dict[str, Any]]:
        """The runs the same body would create, creating nothing."""
        return self.request("POST", "/backfills/dry_run", json=body)["backfills"]

    def backfill(self, backfill_id: int) -> dict[str, Any]:
        return self.get(f"/backfills/{backfill_id}")
