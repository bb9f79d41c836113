"""The chart's `config:` and the secrets wiring shared by every Airflow component."""

import json

import jmespath
import pytest

from airflow_settings import load_settings
from airflow_settings.render import as_helm_config
from infra.helm_values import ADMIN_USERNAME, SECRET_NAMES, admin_password_hint
from tests.helm.chart_utils import DEFAULT_INPUTS, merged_values, render


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

    def test_should_define_the_log_connection_without_keys(self):
        values = render(region="eu-central-1")
        conn_id = values["config"]["logging"]["remote_log_conn_id"]
        assert conn_id != "aws_default", "a task connection named aws_default must not redirect task logs"
        env = {item["name"]: item["value"] for item in values["env"]}
        # Only type and region: with no keys, boto3 signs with the pod's IRSA web identity.
        assert json.loads(env[f"AIRFLOW_CONN_{conn_id.upper()}"]) == {
            "conn_type": "aws",
            "extra": {"region_name": "eu-central-1"},
        }

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


class TestPersistentVolumes:
    """No component claims a volume: logs are in S3 and the cluster provisions no EBS volumes."""

    @pytest.mark.parametrize("size", ["dev", "prod"])
    def test_should_claim_no_volume(self, size: str):
        values = merged_values(size=size)
        claims = [
            f"{path}.persistence"
            # workers.celery.persistence wins over the deprecated workers.persistence (the render tests show no claim).
            for path in ("workers.celery", "triggerer", "dags", "logs", "redis")
            if jmespath.search(f"{path}.persistence.enabled", values)
            and not (path == "redis" and values["redis"]["enabled"] is False)
        ]
        assert not claims, f"{claims} would create PersistentVolumeClaims that stay Pending"


class TestDatabaseMigrationJob:
    """Migrations as a plain Job, so atomic/wait installs don't deadlock on hooks."""

    def test_should_not_use_helm_hooks(self):
        values = render()
        assert jmespath.search("migrateDatabaseJob.useHelmHooks", values) is False
        assert jmespath.search("createUserJob.[enabled, useHelmHooks]", values) == [True, False]

    @pytest.mark.parametrize("job", ["migrateDatabaseJob", "createUserJob"])
    def test_should_keep_finished_jobs_until_an_upgrade_renames_them(self, job: str):
        # The post-renderer renames a changed Job (test_job_names.py), so no TTL has to clear the way; unset, the
        # chart's 300 s would only make Helm create the Job again, and run it again, at the next upgrade.
        values = render()
        assert job in values and "ttlSecondsAfterFinished" in values[job]
        assert values[job]["ttlSecondsAfterFinished"] is None


class TestCreateUserJob:
    """The first FAB admin user."""

    def test_should_read_the_password_from_the_stack_secret(self):
        job = render()["createUserJob"]
        (password,) = job["env"]
        assert password["valueFrom"]["secretKeyRef"] == {"name": SECRET_NAMES["admin-password"], "key": "password"}
        assert '--password="$AIRFLOW_ADMIN_PASSWORD"' in job["args"][-1]

    def test_should_not_put_a_password_in_the_values(self):
        # defaultUser is only what the chart's NOTES print: where the generated password is, not the password.
        assert jmespath.search("createUserJob.defaultUser", render()) == {
            "username": ADMIN_USERNAME,
            "password": admin_password_hint(DEFAULT_INPUTS.network.namespace),
        }
        assert SECRET_NAMES["admin-password"] in admin_password_hint("airflow")
        assert "--role Admin --username admin" in jmespath.search("createUserJob.args[-1]", render())
