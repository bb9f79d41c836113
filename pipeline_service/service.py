"""The driving service's work: a validated request becomes a delivered, triggered, watched and removed DAG.

Every Airflow call goes through the REST API with the repository's one client (local_airflow.rest_client); the
DAG files go through a DagSource (delivery.py). The service keeps no state of its own: which DAGs are its one-shots
is what Airflow reports for the ONE_SHOT_TAG.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from local_airflow.rest_client import TERMINAL_RUN_STATES, AirflowAPIError, AirflowClient
from pipeline_service import gates
from pipeline_service.delivery import DagSource
from pipeline_service.pipelines import PIPELINES, TEMPLATES_DIR, Pipeline, RunRequest
from pipeline_service.render import render

# The tag every template gives its DAG: what cleanup looks for.
ONE_SHOT_TAG = "one-shot"
# How long a delivered file may take to show up in the API: the dag-processor's folder scan (refresh_interval, 10 s
# on the local stacks) or the git bundle's refresh, plus one parse.
DEFAULT_PARSE_TIMEOUT_S = 120


class UnknownPipeline(LookupError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(f"no pipeline {name!r}; the service offers {known}")


class UnknownDag(LookupError):
    def __init__(self, dag_id: str):
        super().__init__(f"no DAG {dag_id!r}: never delivered, or removed after its run")


class BadParameters(ValueError):
    """The parameters fail the pipeline's model; `errors` are pydantic's, with `loc` under `parameters`."""

    def __init__(self, pipeline: str, error: ValidationError):
        self.errors = [
            {"loc": ["parameters", *error_item["loc"]], "msg": error_item["msg"], "type": error_item["type"]}
            for error_item in error.errors(include_url=False, include_context=False, include_input=False)
        ]
        details = "; ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in self.errors)
        super().__init__(f"bad parameters for {pipeline}: {details}")


@dataclass(frozen=True)
class RunStatus:
    dag_id: str
    run_id: str | None
    state: str
    tasks: dict[str, str] = field(default_factory=dict)


def delete_dag(client: AirflowClient, dag_id: str) -> None:
    """`DELETE /api/v2/dags/{dag_id}`; a DAG already gone is fine."""
    try:
        client.request("DELETE", f"/dags/{dag_id}")
    except AirflowAPIError as err:
        if err.status_code != 404:
            raise


@dataclass
class PipelineService:
    """One target: its DAG source and an Airflow API login (a fresh client per operation, so tokens never expire
    under a long-running service)."""

    dag_source: DagSource
    airflow: Callable[[], AirflowClient]
    pipelines: Mapping[str, Pipeline] = field(default_factory=lambda: PIPELINES)
    templates_dir: Path = TEMPLATES_DIR
    parse_timeout_s: float = DEFAULT_PARSE_TIMEOUT_S

    def pipeline(self, name: str) -> Pipeline:
        if name not in self.pipelines:
            raise UnknownPipeline(name, sorted(self.pipelines))
        return self.pipelines[name]

    def submit(self, pipeline_name: str, request: RunRequest) -> RunStatus:
        """Validate, render, gate, deliver, then trigger once Airflow has parsed the file."""
        pipeline = self.pipeline(pipeline_name)
        try:
            parameters = pipeline.parameters.model_validate(request.parameters)
        except ValidationError as err:
            raise BadParameters(pipeline.name, err) from err
        rendered = render(
            pipeline,
            customer_id=request.customer_id,
            parameters=parameters,
            request_id=uuid.uuid4().hex[:8],
            templates_dir=self.templates_dir,
        )
        gates.check(rendered)  # raises before the file can reach the DAG source
        self.dag_source.deliver(rendered.file_name, rendered.source)
        client = self.airflow()
        try:
            client.wait_dag(rendered.dag_id, self.parse_timeout_s)
            # Stacks that create DAGs paused (the platform's default) would otherwise queue the run forever.
            client.unpause(rendered.dag_id)
            run_id = client.trigger(rendered.dag_id)
        except BaseException:
            # A request that failed leaves nothing behind: a one-shot without a run would never be cleaned up.
            self._remove(client, rendered.dag_id)
            raise
        return self._status(client, rendered.dag_id, run_id)

    def status(self, dag_id: str) -> RunStatus:
        """The one-shot's run and its tasks; UnknownDag once the DAG is gone (never created, or cleaned up)."""
        client = self.airflow()
        runs = self._runs(client, dag_id)
        return self._status(client, dag_id, runs[-1]["dag_run_id"] if runs else None)

    def cleanup(self) -> list[str]:
        """Remove every one-shot DAG whose runs have all finished, or whose file is gone; return their ids.

        The file goes first, so the dag-processor cannot bring the DAG back from it; a DAG that a parse in flight
        re-created anyway shows up stale (its file missing) and goes on the next pass.
        """
        client = self.airflow()
        removed = []
        for dag in client.get_all("/dags", "dags", tags=[ONE_SHOT_TAG], exclude_stale="false"):
            runs = self._runs(client, dag["dag_id"])
            finished = bool(runs) and all(run["state"] in TERMINAL_RUN_STATES for run in runs)
            if finished or dag.get("is_stale"):
                self._remove(client, dag["dag_id"])
                removed.append(dag["dag_id"])
        return removed

    def _remove(self, client: AirflowClient, dag_id: str) -> None:
        self.dag_source.remove(f"{dag_id}.py")
        delete_dag(client, dag_id)

    @staticmethod
    def _runs(client: AirflowClient, dag_id: str) -> list[dict[str, Any]]:
        try:
            return client.get_all(f"/dags/{dag_id}/dagRuns", "dag_runs", order_by="run_after")
        except AirflowAPIError as err:
            if err.status_code == 404:
                raise UnknownDag(dag_id) from err
            raise

    @staticmethod
    def _status(client: AirflowClient, dag_id: str, run_id: str | None) -> RunStatus:
        if run_id is None:
            return RunStatus(dag_id, None, "not triggered")
        tasks = {
            ti["task_id"] if ti["map_index"] < 0 else f"{ti['task_id']}[{ti['map_index']}]": ti["state"] or "none"
            for ti in client.task_instances(dag_id, run_id)
        }
        return RunStatus(dag_id, run_id, client.run_state(dag_id, run_id), tasks)
