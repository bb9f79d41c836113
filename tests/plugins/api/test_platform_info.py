"""The platform-info API, mounted by Airflow's API server through the plugin."""

from __future__ import annotations

from importlib.metadata import version

from airflow_settings.versions import AIRFLOW_VERSION

COMMIT = "3f1c0de5a9b7e2d4c6f8a0b1c2d3e4f5a6b7c8d9"  # pragma: allowlist secret - a made-up git SHA


def record_bundle_commit(name: str, commit: str) -> None:
    """What the DAG processor stores after refreshing a git bundle."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.models.dagbundle import DagBundleModel
    from airflow.utils.session import create_session

    DagBundlesManager().sync_bundles_to_db()
    with create_session() as session:
        session.get(DagBundleModel, name).version = commit


class TestPlatformInfoPlugin:
    """`GET /platform/info` from the API server."""

    def test_should_load_in_the_plugins_manager_without_errors(self, api_server):
        from airflow import plugins_manager

        plugins, errors = plugins_manager._get_plugins()
        assert "dataplatform" in [p.name for p in plugins]
        assert not [e for e in errors if "dataplatform" in e], errors

    def test_should_report_airflow_provider_versions_and_bundle_commit(self, api_server):
        record_bundle_commit("dags-folder", COMMIT)

        response = api_server.get("/platform/info")

        assert response.status_code == 200, response.text
        info = response.json()
        assert info["airflow_version"] == version("apache-airflow") == AIRFLOW_VERSION
        assert info["providers"]["apache-airflow-providers-amazon"] == version("apache-airflow-providers-amazon")
        assert info["providers"]["apache-airflow-providers-databricks"] == version(
            "apache-airflow-providers-databricks"
        )
        assert {"name": "dags-folder", "version": COMMIT} in info["dag_bundles"]
