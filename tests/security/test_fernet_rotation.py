"""scripts/rotate-fernet-key against moto's Secrets Manager and a real Airflow SQLite DB."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from cryptography.fernet import Fernet, InvalidToken

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "rotate-fernet-key"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
SECRET_ID = "airflow-test/fernet-key"
CONNECTION_PASSWORD = "warehouse-pass-123"  # pragma: allowlist secret
VARIABLE_VALUE = "variable-value-456"


@pytest.fixture
def aws_env(moto_endpoint, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    yield client
    client.delete_secret(SecretId=SECRET_ID, ForceDeleteWithoutRecovery=True)


def _airflow_env(home: Path, fernet_key: str) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__FERNET_KEY": fernet_key,
    }


def _airflow(home: Path, fernet_key: str, *args: str) -> None:
    subprocess.run([AIRFLOW, *args], env=_airflow_env(home, fernet_key), check=True, capture_output=True, timeout=300)


# Stores both encrypted kinds in one interpreter start (each Airflow start costs seconds).
SEED = f"""
from airflow.models import Connection, Variable
from airflow.utils.session import create_session

with create_session() as session:
    session.add(Connection(conn_id="warehouse", conn_type="postgres", host="db.internal", login="analyst",
                           password={CONNECTION_PASSWORD!r}, schema="warehouse", port=5432))
Variable.set("api_token", {VARIABLE_VALUE!r})
"""


@pytest.fixture(scope="module")
def migrated_home(tmp_path_factory):
    """One migrated metadata DB holding a connection and a variable encrypted with the old key."""
    home = tmp_path_factory.mktemp("airflow-home")
    old_key = Fernet.generate_key().decode()
    _airflow(home, old_key, "db", "migrate")
    subprocess.run(
        [sys.executable, "-c", SEED], env=_airflow_env(home, old_key), check=True, capture_output=True, timeout=300
    )
    return home, old_key


@pytest.fixture
def airflow_home(migrated_home, tmp_path):
    template, old_key = migrated_home
    home = tmp_path / "airflow-home"
    shutil.copytree(template, home)
    return home, old_key


def _encrypted_values(home: Path) -> list[bytes]:
    with sqlite3.connect(home / "airflow.db") as db:
        password = db.execute("SELECT password FROM connection WHERE conn_id = 'warehouse'").fetchone()[0]
        variable = db.execute("SELECT val FROM variable WHERE key = 'api_token'").fetchone()[0]
    return [password.encode(), variable.encode()]


def _rotate(moto_endpoint: str, home: Path, *extra: str, airflow_command: str | None = AIRFLOW):
    # The script's own environment carries no Fernet key: it sets one for the airflow step itself.
    env = _airflow_env(home, "")
    del env["AIRFLOW__CORE__FERNET_KEY"]
    where = ["--airflow-command", airflow_command] if airflow_command else []
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--secret-id", SECRET_ID, "--endpoint-url", moto_endpoint, *where, *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_rotation_re_encrypts_with_the_new_key_and_drops_the_old(moto_endpoint, aws_env, airflow_home):
    home, old_key = airflow_home
    aws_env.create_secret(Name=SECRET_ID, SecretString=old_key)

    result = _rotate(moto_endpoint, home)

    assert result.returncode == 0, result.stderr
    new_key = aws_env.get_secret_value(SecretId=SECRET_ID)["SecretString"]
    assert "," not in new_key and new_key != old_key
    assert [Fernet(new_key.encode()).decrypt(v).decode() for v in _encrypted_values(home)] == [
        CONNECTION_PASSWORD,
        VARIABLE_VALUE,
    ]
    for value in _encrypted_values(home):
        with pytest.raises(InvalidToken):
            Fernet(old_key.encode()).decrypt(value)
    assert old_key not in result.stderr + result.stdout and new_key not in result.stderr + result.stdout


def test_failed_airflow_step_keeps_both_keys_and_resume_finishes(moto_endpoint, aws_env, airflow_home):
    home, old_key = airflow_home
    aws_env.create_secret(Name=SECRET_ID, SecretString=old_key)

    failed = _rotate(moto_endpoint, home, airflow_command="false")

    assert failed.returncode == 1
    assert "--resume" in failed.stderr
    new_key, kept_old = aws_env.get_secret_value(SecretId=SECRET_ID)["SecretString"].split(",")
    assert kept_old == old_key
    assert Fernet(old_key.encode()).decrypt(_encrypted_values(home)[0]).decode() == CONNECTION_PASSWORD

    resumed = _rotate(moto_endpoint, home, "--resume")

    assert resumed.returncode == 0, resumed.stderr
    assert aws_env.get_secret_value(SecretId=SECRET_ID)["SecretString"] == new_key
    assert Fernet(new_key.encode()).decrypt(_encrypted_values(home)[0]).decode() == CONNECTION_PASSWORD


@pytest.mark.parametrize(
    ("stored", "args", "message"),
    [
        ("{old},{old}", (), "already holds 2 keys"),
        ("{old}", ("--resume",), "--resume expects 'new,old'"),
        ("not-a-key", (), "is not a Fernet key"),
    ],
)
def test_refuses_a_secret_in_the_wrong_state(moto_endpoint, aws_env, airflow_home, stored, args, message):
    home, old_key = airflow_home
    aws_env.create_secret(Name=SECRET_ID, SecretString=stored.format(old=old_key))

    result = _rotate(moto_endpoint, home, *args)

    assert result.returncode == 1
    assert message in result.stderr
    assert aws_env.get_secret_value(SecretId=SECRET_ID)["SecretString"] == stored.format(old=old_key)


def test_kubernetes_rotation_stops_for_the_secret_sync_before_running_airflow(moto_endpoint, aws_env, airflow_home):
    """On EKS the pods must hold new,old before the re-encryption; no key goes on a kubectl command line."""
    home, old_key = airflow_home
    aws_env.create_secret(Name=SECRET_ID, SecretString=old_key)

    # No kubectl is installed here: reaching step 3 would fail the run.
    result = _rotate(moto_endpoint, home, "--kubectl-target", "airflow/deploy/airflow-scheduler", airflow_command=None)

    assert result.returncode == 0, result.stderr
    new_key, kept_old = aws_env.get_secret_value(SecretId=SECRET_ID)["SecretString"].split(",")
    assert kept_old == old_key
    assert "kubectl -n airflow rollout restart" in result.stderr and "--resume" in result.stderr
    assert new_key not in result.stderr and old_key not in result.stderr


def test_kubectl_target_must_name_namespace_kind_and_name(moto_endpoint, aws_env, airflow_home):
    home, old_key = airflow_home
    aws_env.create_secret(Name=SECRET_ID, SecretString=f"{Fernet.generate_key().decode()},{old_key}")

    result = _rotate(moto_endpoint, home, "--resume", "--kubectl-target", "airflow-scheduler", airflow_command=None)

    assert result.returncode == 1
    assert "expected NAMESPACE/KIND/NAME" in result.stderr
