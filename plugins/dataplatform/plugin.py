"""Registers the platform plugin with Airflow: its app under `/platform` and the Platform page in the UI's nav."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from dataplatform.api.app import app

URL_PREFIX = "/platform"


class DataPlatformPlugin(AirflowPlugin):
    """Serves `/platform/info` (versions and DAG bundle commits), `/platform/status` and the page `/platform/`,
    which the UI shows under the nav entry "Platform" (an external view, at `/plugin/platform`)."""

    name = "dataplatform"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "Data platform"}]
    external_views = [
        {
            "name": "Platform",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "url_route": "platform",
        }
    ]
