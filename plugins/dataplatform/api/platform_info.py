"""FastAPI app answering "what does this platform run?": Airflow, provider and DAG bundle versions."""

from __future__ import annotations

import sys
from importlib.metadata import version

from fastapi import APIRouter
from pydantic import BaseModel


class BundleVersion(BaseModel):
    """The version (a commit SHA for git bundles, none for a local folder) the DAG processor last parsed."""

    name: str
    version: str | None


class PlatformInfo(BaseModel):
    """What runs: the versions a support question starts with."""

    airflow_version: str
    python_version: str
    providers: dict[str, str]
    dag_bundles: list[BundleVersion]


def installed_providers() -> dict[str, str]:
    """`{package name: version}` of every provider the providers manager discovered."""
    from airflow.providers_manager import ProvidersManager

    return {name: info.version for name, info in sorted(ProvidersManager().providers.items())}


def dag_bundle_versions() -> list[BundleVersion]:
    """Each DAG bundle with the version last recorded in the metadata DB (what the DAGs were parsed from)."""
    from airflow.models.dagbundle import DagBundleModel
    from airflow.utils.session import create_session

    with create_session() as session:
        bundles = session.query(DagBundleModel).order_by(DagBundleModel.name).all()
        return [BundleVersion(name=b.name, version=b.version) for b in bundles]


router = APIRouter()


@router.get("/info", response_model=PlatformInfo)
def platform_info() -> PlatformInfo:
    """Airflow, Python and provider versions, and the DAG bundles' current versions."""
    return PlatformInfo(
        airflow_version=version("apache-airflow"),
        python_version=sys.version.split()[0],
        providers=installed_providers(),
        dag_bundles=dag_bundle_versions(),
    )
