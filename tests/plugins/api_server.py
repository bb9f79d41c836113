"""Airflow's real API server with this repo's plugins, a token to call it with, and DB state for the platform page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.examples.dagruns import REPO_ROOT

BROKEN_TRACEBACK = "Traceback (most recent call last):\n  File \"broken.py\"\nNameError: name 'oops' is not defined"


@pytest.fixture
def api_server(airflow_db, monkeypatch):
    """Airflow's real API server app, with this repo's plugins folder loaded from scratch."""
    from airflow import plugins_manager, settings
    from airflow.api_fastapi.app import create_app, purge_cached_app

    monkeypatch.setattr(settings, "PLUGINS_FOLDER", str(REPO_ROOT / "plugins"))
    plugins_manager._get_plugins.cache_clear()
    plugins_manager.get_fastapi_plugins.cache_clear()
    purge_cached_app()
    yield TestClient(create_app())
    purge_cached_app()
    plugins_manager._get_plugins.cache_clear()
    plugins_manager.get_fastapi_plugins.cache_clear()


@pytest.fixture
def viewer_token(api_server) -> str:
    """A JWT for a viewer, the least role that may open the platform page (SimpleAuthManager, as `make dev`)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="viewer", role="viewer"))


@pytest.fixture
def platform_state(airflow_db):
    """What the platform page reports on: a pool, a file that fails to import, two parsed files; removed after."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.models.dag import DagModel
    from airflow.models.errors import ParseImportError
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session

    DagBundlesManager().sync_bundles_to_db()
    with create_session() as session:
        Pool.create_or_update_pool("spark", slots=4, description="Spark jobs", include_deferred=False, session=session)
        session.add(
            ParseImportError(
                filename="broken.py",
                bundle_name="dags-folder",
                stacktrace=BROKEN_TRACEBACK,
            )
        )
        for dag_id, path, seconds in (("fast_dag", "fast.py", 0.05), ("slow_dag", "slow.py", 2.5)):
            session.add(
                DagModel(dag_id=dag_id, bundle_name="dags-folder", relative_fileloc=path, last_parse_duration=seconds)
            )
    yield
    with create_session() as session:
        session.query(ParseImportError).delete()
        session.query(DagModel).filter(DagModel.dag_id.in_(["fast_dag", "slow_dag"])).delete()
        session.query(Pool).filter(Pool.pool == "spark").delete()
