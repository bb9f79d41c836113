"""The driving service's HTTP API (FastAPI, as Airflow's own API server uses).

    GET  /pipelines                     the pipelines on offer, with their parameters' JSON schema
    POST /pipelines/{pipeline}/runs     {"customer_id": "...", "parameters": {...}} -> 201 the triggered run
    GET  /runs/{dag_id}                 the run's state and its tasks' states
    POST /cleanup                       remove the one-shot DAGs whose run has finished -> {"removed": [...]}

Refusals say what to fix: 404 an unknown pipeline or DAG, 422 a bad customer id or bad parameters (pydantic's
errors, located under `parameters`), 500 a template that renders a file the DAG gates refuse (listed; nothing was
delivered), 502 Airflow refusing a call, 504 a delivered file Airflow did not parse in time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, HTTPException
from starlette.concurrency import run_in_threadpool

from local_airflow.rest_client import AirflowAPIError
from pipeline_service.gates import GateError
from pipeline_service.pipelines import RunRequest
from pipeline_service.render import TemplateError
from pipeline_service.service import BadParameters, PipelineService, UnknownDag, UnknownPipeline


def create_app(service: PipelineService, *, cleanup_interval_s: float = 0) -> FastAPI:
    """The API over `service`; with `cleanup_interval_s`, finished one-shots are also removed on that period."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        reaper = asyncio.create_task(_reap(service, cleanup_interval_s)) if cleanup_interval_s > 0 else None
        yield
        if reaper:
            reaper.cancel()

    app = FastAPI(title="pipeline-service", description=__doc__, lifespan=lifespan)

    @app.get("/pipelines")
    def list_pipelines() -> dict[str, Any]:
        return {
            name: {"description": pipeline.description, "parameters": pipeline.parameters.model_json_schema()}
            for name, pipeline in service.pipelines.items()
        }

    @app.post("/pipelines/{pipeline}/runs", status_code=201)
    def submit(pipeline: str, request: RunRequest) -> dict[str, Any]:
        with _refusals():
            return asdict(service.submit(pipeline, request))

    @app.get("/runs/{dag_id}")
    def status(dag_id: str) -> dict[str, Any]:
        with _refusals():
            return asdict(service.status(dag_id))

    @app.post("/cleanup")
    def cleanup() -> dict[str, list[str]]:
        with _refusals():
            return {"removed": service.cleanup()}

    return app


async def _reap(service: PipelineService, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        with contextlib.suppress(Exception):  # the next pass retries; a failed pass must not stop the reaper
            await run_in_threadpool(service.cleanup)


@contextlib.contextmanager
def _refusals():
    """The service's errors as HTTP answers that say what went wrong."""
    try:
        yield
    except (UnknownPipeline, UnknownDag) as err:
        raise HTTPException(404, str(err)) from err
    except BadParameters as err:
        raise HTTPException(422, err.errors) from err
    except (TemplateError, GateError) as err:
        raise HTTPException(500, {"error": str(err), "delivered": False}) from err
    except AirflowAPIError as err:
        raise HTTPException(502, f"Airflow refused: {err}") from err
    except TimeoutError as err:
        raise HTTPException(504, f"delivered, but Airflow did not parse it in time: {err}") from err
