"""The chart wiring the infra overlay computes, exercised with real Airflow (this environment, .venv).

tests/helm checks the values' shape; these tests prove that Airflow does what the values mean: the S3 task
handler resolves its connection and uploads without static keys, a git-bundle's private connection in Secrets
Manager wins over the token-less fallback, and the first-admin job can run again on every upgrade. AWS is
moto's ThreadedMotoServer on 127.0.0.1; each Airflow run is a fresh process, as in a pod.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from airflow_settings import load_settings
from airflow_settings.git_bundle import GIT_BUNDLE_CONN_ID
from airflow_settings.render import as_env, secret_prefixes
from infra.chart_images import ecr_registry
from infra.components import SERVICE_ACCOUNTS
from infra.config_sections import DagsConfig, IngressConfig
from infra.helm_values import ChartInputs, chart_values
from infra.network_policies import ReleaseNetwork

REGION = "eu-west-1"
LOGS_BUCKET = "airflow-test-logs-abc123"
INPUTS = ChartInputs(
    airflow_version="3.3.1",
    image_repository="111122223333.dkr.ecr.eu-west-1.amazonaws.com/airflow-test/airflow",
    image_tag="3.3.1-1",
    logs_bucket=LOGS_BUCKET,
    region=REGION,
    # Only service-account annotations read these; no test here does.
    role_arns=dict.fromkeys(SERVICE_ACCOUNTS, "arn:aws:iam::111122223333:role/unused"),
    settings=load_settings().for_target("eks"),
    dags=DagsConfig(source="git-bundle", repo="https://git.example.com/org/dags.git"),
    ingress=IngressConfig(enabled=False, internal=True),
    # The image and network wiring: no test here reads it.
    registry=ecr_registry("111122223333", REGION),
    network=ReleaseNetwork(
        "airflow", "10.0.0.0/16", ("10.0.0.0/19",), ("subnet-0",), ("10.0.224.0/22",), (), "172.20.0.0/16", 5432, 6379
    ),
)
VENV_BIN = Path(sys.executable).parent


def pod_environment(values: dict[str, Any], tmp_path: Path, moto_endpoint: str) -> dict[str, str]:
    """What an Airflow pod of the release sees: the chart's config and env, and AWS credentials as the EKS
    pod identity webhook would provide them (here dummy keys in the environment, which boto3 finds in the same
    default chain as IRSA's web identity token; the connection itself must carry none)."""
    sections = {section: options for section, options in values["config"].items() if section in ("logging", "secrets")}
    return {
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(tmp_path / "logs"),
        **as_env(sections),
        **{item["name"]: item["value"] for item in values["env"]},
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "irsa-stand-in",
        "AWS_SECRET_ACCESS_KEY": "irsa-stand-in",
    }


PROBE = """
import json, pathlib, sys
from airflow.providers.amazon.aws.log.s3_task_handler import S3RemoteLogIO

io = S3RemoteLogIO.from_config()
relative = "dag_id=d/run_id=r/task_id=t/attempt=1.log"
local = io.base_log_folder / relative
local.parent.mkdir(parents=True, exist_ok=True)
local.write_text("task says hello\\n")
io.upload(relative)
log_conn = io.hook.get_connection(io.hook.aws_conn_id)
git_conn = io.hook.get_connection(sys.argv[1])
print(json.dumps({
    "log_conn_id": io.hook.aws_conn_id,
    "log_conn": [log_conn.conn_type, log_conn.login, log_conn.password, log_conn.extra_dejson],
    "uploaded": io.s3_read(io.remote_base + "/" + relative),
    "git_conn": [git_conn.host, git_conn.login, git_conn.password],
}))
"""


def run_probe(environment: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, GIT_BUNDLE_CONN_ID],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"probe failed:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


class TestPodWiring:
    """One pod's view: remote task logs and the git-bundle connection."""

    def test_should_upload_task_logs_and_read_git_connection_from_secrets_manager(
        self, tmp_path: Path, moto_endpoint: str
    ):
        aws = {
            "endpoint_url": moto_endpoint,
            "region_name": REGION,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        boto3.client("s3", **aws).create_bucket(
            Bucket=LOGS_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        boto3.client("secretsmanager", **aws).create_secret(
            Name=f"{secret_prefixes(INPUTS.settings).connections}/{GIT_BUNDLE_CONN_ID}",
            SecretString=json.dumps(
                {"conn_type": "git", "host": INPUTS.dags.repo, "login": "bot", "password": "private-token"}
            ),
        )
        values = chart_values(INPUTS)
        probe = run_probe(pod_environment(values, tmp_path, moto_endpoint))

        assert probe["uploaded"] == "task says hello\n"
        stored = boto3.client("s3", **aws).get_object(
            Bucket=LOGS_BUCKET, Key="logs/dag_id=d/run_id=r/task_id=t/attempt=1.log"
        )
        assert stored["Body"].read() == b"task says hello\n"
        # A real connection, found under the dedicated id, with no keys of its own.
        assert probe["log_conn_id"] == values["config"]["logging"]["remote_log_conn_id"]
        assert probe["log_conn"] == ["aws", None, None, {"region_name": REGION}]
        # The private repository's token comes from Secrets Manager, ahead of the token-less env fallback.
        assert probe["git_conn"] == [INPUTS.dags.repo, "bot", "private-token"]


class TestCreateUserJob:
    """The first-admin job as the release renders it, run twice like an install and an upgrade."""

    def test_should_succeed_again_when_the_admin_exists(self, tmp_path: Path):
        values = chart_values(INPUTS)
        environment = {
            "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
            "AIRFLOW_HOME": str(tmp_path),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path}/airflow.db",
            "AIRFLOW__CORE__AUTH_MANAGER": values["config"]["core"]["auth_manager"],
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # The job's pod has the release's secrets backend but no IRSA role: it must never need AWS.
            **as_env({"secrets": values["config"]["secrets"]}),
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }
        migrate = subprocess.run(
            ["airflow", "db", "migrate"], env=environment, capture_output=True, text=True, timeout=300
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        job = values["createUserJob"]
        # A leading "-", as a generated password may have: argparse must not take it for an option.
        environment["AIRFLOW_ADMIN_PASSWORD"] = "-generated-elsewhere"
        runs = [
            subprocess.run(job["args"], env=environment, capture_output=True, text=True, timeout=120)
            for _ in ("install", "upgrade")
        ]
        assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr[-3000:]
        assert 'User "admin" created with role "Admin"' in runs[0].stdout
        assert "admin already exists in the db" in runs[1].stdout
