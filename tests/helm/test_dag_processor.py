"""DAG delivery: git-sync sidecar or Airflow 3's GitDagBundle."""

import json

import jmespath
import pytest

from airflow_settings.git_bundle import GIT_BUNDLE_CONN_ID
from airflow_settings.render import secret_prefixes
from infra.config_sections import DagsConfig
from infra.helm_values import ValuesError
from tests.helm.chart_utils import DEFAULT_INPUTS, render

BUNDLE = DagsConfig(source="git-bundle", repo="https://example.com/dags.git", branch="release", sub_path="pipelines")


class TestGitSync:
    """The chart's git-sync sidecar."""

    def test_should_clone_the_configured_repo(self):
        git_sync = jmespath.search("dags.gitSync", render())
        assert [git_sync[key] for key in ("enabled", "repo", "ref", "subPath")] == [
            True,
            DEFAULT_INPUTS.dags.repo,
            "main",
            "dags",
        ]
        assert "credentialsSecret" not in git_sync

    def test_should_use_the_credentials_secret_for_private_repos(self):
        dags = DagsConfig(source="git-sync", repo="https://example.com/private.git", credentials_secret="git-creds")
        assert jmespath.search("dags.gitSync.credentialsSecret", render(dags=dags)) == "git-creds"

    def test_should_run_restricted(self):
        container = jmespath.search("dags.gitSync.securityContexts.container", render())
        assert container["capabilities"] == {"drop": ["ALL"]}


class TestGitDagBundle:
    """dag_bundle_config_list with GitDagBundle."""

    def test_should_configure_the_bundle(self):
        values = render(dags=BUNDLE)
        bundle = jmespath.search("dagProcessor.dagBundleConfigList[0]", values)
        assert bundle["classpath"] == "airflow.providers.git.bundles.git.GitDagBundle"
        assert bundle["kwargs"] == {
            "git_conn_id": "git_dags_repo",
            "tracking_ref": "release",
            "subdir": "pipelines",
        }
        assert not jmespath.search("dags.gitSync.enabled", values)

    def test_should_define_the_git_connection_from_env_for_public_repos(self):
        env = {item["name"]: item["value"] for item in render(dags=BUNDLE)["env"]}
        assert json.loads(env["AIRFLOW_CONN_GIT_DAGS_REPO"]) == {"conn_type": "git", "host": BUNDLE.repo}
        assert env["AWS_DEFAULT_REGION"] == "eu-west-1"

    def test_should_leave_private_credentials_to_the_secrets_manager_backend(self):
        values = render(dags=BUNDLE)
        (fallback,) = [item for item in values["env"] if item["name"] == "AIRFLOW_CONN_GIT_DAGS_REPO"]
        assert set(json.loads(fallback["value"])) == {"conn_type", "host"}, "the fallback must carry no token"
        assert "secret" not in values
        prefix = json.loads(values["config"]["secrets"]["backend_kwargs"])["connections_prefix"]
        assert prefix == secret_prefixes(DEFAULT_INPUTS.settings).connections

    def test_should_refuse_a_kubernetes_credentials_secret(self):
        private = DagsConfig(source="git-bundle", repo=BUNDLE.repo, credentials_secret="git-dags-connection")
        connection = f"{secret_prefixes(DEFAULT_INPUTS.settings).connections}/{GIT_BUNDLE_CONN_ID}"
        with pytest.raises(ValuesError, match=f"git-sync only.*{connection}"):
            render(dags=private)
