"""A small client for Airflow 3's public REST API (/api/v2), used by the tests, benches and local tooling."""

from __future__ import annotations

import time

import requests

TERMINAL_RUN_STATES = {"success", "failed"}


class AirflowAPIError(RuntimeError):
    """The API refused a request or a run did not finish in time; the message carries the response."""


class AirflowAPI:
    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url.rstrip("/")
        token = requests.post(
            f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=10
        )
        token.raise_for_status()
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def request(self, method: str, path: str, **kwargs) -> dict:
        response = self.session.request(method, f"{self.base_url}/api/v2{path}", timeout=30, **kwargs)
        if not response.ok:
            raise AirflowAPIError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        run = self.request("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        return run["dag_run_id"]

    def wait_for_dag(self, dag_id: str, timeout_s: float = 120) -> dict:
        """Poll until the DAG is serialized (the dag-processor has parsed it)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            response = self.session.get(f"{self.base_url}/api/v2/dags/{dag_id}", timeout=10)
            if response.ok:
                return response.json()
            time.sleep(0.5)
        raise AirflowAPIError(f"DAG {dag_id} was not parsed within {timeout_s} s")

    def wait_for_run(self, dag_id: str, run_id: str, timeout_s: float = 180) -> str:
        """Poll the run until it ends; return its final state."""
        deadline = time.monotonic() + timeout_s
        state = None
        while time.monotonic() < deadline:
            state = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in TERMINAL_RUN_STATES:
                return state
            time.sleep(0.5)
        raise AirflowAPIError(f"run {run_id} of {dag_id} still {state!r} after {timeout_s} s")

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        instances = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return {ti["task_id"]: ti["state"] for ti in instances}

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value"):
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}"
        return self.request("GET", path, params={"deserialize": True})["value"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}"
        content = self.request("GET", path, headers={"Accept": "application/json"})["content"]
        return "\n".join(entry.get("event", "") if isinstance(entry, dict) else str(entry) for entry in content)
