"""The chart's `config:` and the secrets wiring shared by every Airflow component."""

import jmespath
import pytest
from chart_utils import render

from airflow_settings import load_settings
from airflow_settings.render import as_helm_config
from infra.helm_values import SECRET_NAMES


class TestAirflowConfig:
    """`config:` comes from airflow_settings plus the infra wiring keys, nothing else."""

    def test_should_carry_every_eks_setting(self):
        config = render()["config"]
        for section, options in as_helm_config(load_settings().for_target("eks")).items():
            assert {key: config[section][key] for key in options} == options, f"[{section}] drifted"

    def test_should_send_task_logs_to_the_logs_bucket(self):
        logging = jmespath.search("config.logging", render(logs_bucket="my-logs"))
        assert logging["remote_logging"] == "True"
        assert logging["remote_base_log_folder"] == "s3://my-logs/logs"

    def test_should_use_the_secrets_manager_backend(self):
        secrets = jmespath.search("config.secrets", render())
        assert secrets["backend"].endswith("SecretsManagerBackend")
        assert '"connections_prefix": "airflow/connections"' in secrets["backend_kwargs"]

    def test_should_match_the_chart_executor_to_config(self):
        values = render()
        assert values["executor"] == values["config"]["core"]["executor"]


class TestSecretWiring:
    """Secrets the chart reads instead of generating its own."""

    @pytest.mark.parametrize(
        ("path", "role"),
        [
            ("data.metadataSecretName", "metadata"),
            ("data.resultBackendSecretName", "result-backend"),
            ("data.brokerUrlSecretName", "broker"),
            ("fernetKeySecretName", "fernet-key"),
            ("jwtSecretName", "jwt-secret"),
            ("apiSecretKeySecretName", "api-secret-key"),
        ],
    )
    def test_should_name_the_stack_secret(self, path: str, role: str):
        assert jmespath.search(path, render()) == SECRET_NAMES[role]

    def test_should_not_deploy_the_bundled_datastores(self):
        assert jmespath.search("[postgresql.enabled, redis.enabled]", render()) == [False, False]


class TestDatabaseMigrationJob:
    """Migrations as a plain Job, so atomic/wait installs don't deadlock on hooks."""

    def test_should_not_use_helm_hooks(self):
        values = render()
        assert jmespath.search("migrateDatabaseJob.useHelmHooks", values) is False
        assert jmespath.search("createUserJob.[enabled, useHelmHooks]", values) == [True, False]


class TestCreateUserJob:
    """The first FAB admin user."""

    def test_should_read_the_password_from_the_stack_secret(self):
        job = render()["createUserJob"]
        (password,) = job["env"]
        assert password["valueFrom"]["secretKeyRef"] == {"name": SECRET_NAMES["admin-password"], "key": "password"}
        assert '--password "$AIRFLOW_ADMIN_PASSWORD"' in job["args"][-1]

    def test_should_not_put_a_password_in_the_values(self):
        assert jmespath.search("createUserJob.defaultUser", render()) is None
        assert "--role Admin --username admin" in jmespath.search("createUserJob.args[-1]", render())
