"""The GitDagBundle entry and its connection, as the EKS values and the native local stack both write them."""

from __future__ import annotations

import json

from airflow_settings.git_bundle import (
    GIT_BUNDLE_CLASSPATH,
    GIT_BUNDLE_CONN_ID,
    git_connection_env,
    git_dag_bundle,
)


class TestGitDagBundle:
    """One dag_bundle_config_list entry."""

    def test_should_clone_through_the_bundle_connection(self):
        assert git_dag_bundle(tracking_ref="release", subdir="pipelines") == {
            "name": "git_dags",
            "classpath": GIT_BUNDLE_CLASSPATH,
            "kwargs": {"git_conn_id": GIT_BUNDLE_CONN_ID, "tracking_ref": "release", "subdir": "pipelines"},
        }

    def test_should_pass_further_options_through(self):
        assert git_dag_bundle(tracking_ref="main", subdir="dags", refresh_interval=5)["kwargs"]["refresh_interval"] == 5


class TestGitConnection:
    """The token-less connection in the environment."""

    def test_should_carry_type_and_url_only(self):
        ((name, value),) = git_connection_env("file:///tmp/dags.git").items()
        assert name == f"AIRFLOW_CONN_{GIT_BUNDLE_CONN_ID.upper()}"
        assert json.loads(value) == {"conn_type": "git", "host": "file:///tmp/dags.git"}
