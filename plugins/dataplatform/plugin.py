"""Registers the platform plugin with Airflow: the platform-info API under `/platform`."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from dataplatform.api.platform_info import app


class DataPlatformPlugin(AirflowPlugin):
    """Serves `GET /platform/info` from the API server (versions and DAG bundle commits)."""

    name = "dataplatform"
    fastapi_apps = [{"app": app, "url_prefix": "/platform", "name": "Data platform info"}]
