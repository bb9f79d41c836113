"""How the platform is doing, from the metadata DB: component health, queues, pools, import errors, parse times.

Every target has the metadata DB, so the platform page shows the same on EKS, MWAA and locally, whether or not
a Prometheus runs beside it. Served as `GET /platform/status` (JSON) and rendered by views/platform_page.py.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel

# How many of the slowest-parsing files the page lists.
SLOWEST_FILES = 10


class ComponentHealth(BaseModel):
    """One part of /api/v2/monitor/health: "healthy" or "unhealthy", and its latest heartbeat when it has one."""

    name: str
    status: str
    latest_heartbeat: str | None = None


class QueueDepth(BaseModel):
    """Task instances waiting in one queue: queued (sent to the executor) and scheduled (about to be)."""

    queue: str
    queued: int
    scheduled: int


class PoolUsage(BaseModel):
    name: str
    slots: int
    running: int
    queued: int
    deferred: int
    open: int


class ImportErrorSummary(BaseModel):
    """A DAG file that fails to import: its bundle, path, when, and the traceback's last line (the error)."""

    bundle: str | None
    filename: str | None
    timestamp: datetime | None
    error: str


class FileParseTime(BaseModel):
    """How long the DAG processor last took to parse one file, in seconds."""

    bundle: str | None
    filename: str
    seconds: float


class PlatformStatus(BaseModel):
    components: list[ComponentHealth]
    queues: list[QueueDepth]
    pools: list[PoolUsage]
    import_errors: list[ImportErrorSummary]
    slowest_files: list[FileParseTime]


def component_health() -> list[ComponentHealth]:
    """The metadata DB, scheduler, triggerer and DAG processor, as Airflow's health endpoint reports them."""
    from airflow.api.common.airflow_health import get_airflow_health

    return [
        ComponentHealth(
            name=name,
            status=part.get("status") or "unknown",
            latest_heartbeat=next((v for k, v in part.items() if k.startswith("latest_") and v), None),
        )
        for name, part in get_airflow_health().items()
    ]


def queue_depths(session) -> list[QueueDepth]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import func, select

    waiting = (TaskInstanceState.QUEUED, TaskInstanceState.SCHEDULED)
    rows = session.execute(
        select(TaskInstance.queue, TaskInstance.state, func.count())
        .where(TaskInstance.state.in_(waiting))
        .group_by(TaskInstance.queue, TaskInstance.state)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for queue, state, count in rows:
        counts.setdefault(queue, {})[str(state)] = count
    return [
        QueueDepth(queue=queue, queued=states.get("queued", 0), scheduled=states.get("scheduled", 0))
        for queue, states in sorted(counts.items())
    ]


def pool_usage(session) -> list[PoolUsage]:
    from airflow.models.pool import Pool

    return [
        PoolUsage(
            name=name,
            slots=stats["total"],
            running=stats["running"],
            queued=stats["queued"],
            deferred=stats["deferred"],
            open=stats["open"],
        )
        for name, stats in sorted(Pool.slots_stats(session=session).items())
    ]


def import_errors(session) -> list[ImportErrorSummary]:
    from airflow.models.errors import ParseImportError
    from sqlalchemy import select

    errors = session.scalars(select(ParseImportError).order_by(ParseImportError.filename)).all()
    return [
        ImportErrorSummary(
            bundle=error.bundle_name,
            filename=error.filename,
            timestamp=error.timestamp,
            error=(error.stacktrace or "").strip().splitlines()[-1] if error.stacktrace else "",
        )
        for error in errors
    ]


def slowest_files(session, limit: int = SLOWEST_FILES) -> list[FileParseTime]:
    """The files whose last parse took longest (each DAG of a file records its file's parse time)."""
    from airflow.models.dag import DagModel
    from sqlalchemy import func, select

    seconds = func.max(DagModel.last_parse_duration)
    rows = session.execute(
        select(DagModel.bundle_name, DagModel.relative_fileloc, seconds)
        .where(DagModel.last_parse_duration.is_not(None), DagModel.relative_fileloc.is_not(None))
        .group_by(DagModel.bundle_name, DagModel.relative_fileloc)
        .order_by(seconds.desc())
        .limit(limit)
    ).all()
    return [FileParseTime(bundle=bundle, filename=path, seconds=value) for bundle, path, value in rows]


def platform_status() -> PlatformStatus:
    from airflow.utils.session import create_session

    with create_session() as session:
        return PlatformStatus(
            components=component_health(),
            queues=queue_depths(session),
            pools=pool_usage(session),
            import_errors=import_errors(session),
            slowest_files=slowest_files(session),
        )


def requires_platform_access():
    """What the page shows is what Airflow's cluster activity and import errors views show: a user needs both."""
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view

    return [
        Depends(requires_access_view(AccessView.CLUSTER_ACTIVITY)),
        Depends(requires_access_view(AccessView.IMPORT_ERRORS)),
    ]


router = APIRouter()


@router.get("/status", response_model=PlatformStatus, dependencies=requires_platform_access())
def status() -> PlatformStatus:
    """Component health, queue depth, pool usage, DAG import errors and the slowest-parsing files."""
    return platform_status()
