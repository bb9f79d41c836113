"""`ops secrets-export` / `ops secrets-import` against moto's Secrets Manager, with Airflow's own export files
(made by `airflow connections export` / `airflow variables export`) on the other side."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from airflow_settings import load_settings
from airflow_settings.render import secret_prefixes
from local_airflow.services import AWS_DUMMY_KEY
from ops.__main__ import main as ops_main
from ops.secrets_transfer import CONNECTIONS_FILE, VARIABLES_FILE, backend

AIRFLOW_CLI = str(Path(sys.executable).with_name("airflow"))
PASSWORD = "wh-s3cret-value"  # pragma: allowlist secret
TOKEN = "xoxb-not-a-real-token"  # pragma: allowlist secret
CONNECTIONS = {
    "warehouse": {
        "conn_type": "postgres",
        "host": "warehouse.internal",
        "login": "reader",
        "password": PASSWORD,
        "port": 5432,
        "schema": "sales",
        "extra": json.dumps({"sslmode": "require"}),
    },
    "slack_alerts": {"conn_type": "slackwebhook", "password": TOKEN},
}
VARIABLES = {"data_region": "eu-west-1", "limits": {"rows": 1000}}
SECRET_VALUES = (PASSWORD, TOKEN)
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def airflow_export(tmp_path_factory) -> Path:
    """connections.json and variables.json as Airflow 3 itself exports them, from a SQLite metadata DB."""
    folder = tmp_path_factory.mktemp("airflow-export")
    env = {**os.environ, "AIRFLOW_HOME": str(folder / "home"), "AIRFLOW__SECRETS__BACKEND": ""}
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{folder / 'airflow.db'}"

    def airflow(*args: str) -> None:
        subprocess.run([AIRFLOW_CLI, *args], env=env, check=True, capture_output=True, timeout=300)

    (folder / "seed-connections.json").write_text(json.dumps(CONNECTIONS))
    (folder / "seed-variables.json").write_text(json.dumps(VARIABLES))
    airflow("db", "migrate")
    airflow("connections", "import", str(folder / "seed-connections.json"))
    airflow("variables", "import", str(folder / "seed-variables.json"))
    airflow("connections", "export", str(folder / CONNECTIONS_FILE))
    airflow("variables", "export", str(folder / VARIABLES_FILE))
    return folder


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    """Secrets Manager in moto, emptied for each test; boto3 and the provider's backend both reach it."""
    import requests

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    for name, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": AWS_DUMMY_KEY,
        "AWS_SECRET_ACCESS_KEY": AWS_DUMMY_KEY,
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    return boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def ops(capsys):
    def run(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        status = ops_main(list(argv))
        out, err = capsys.readouterr()
        printed = out + err
        leaked = [value for value in SECRET_VALUES if value in printed]
        assert not leaked, f"ops {argv[0]} printed a secret value"
        return status, printed

    return run


PREFIXES = secret_prefixes(load_settings().for_target("eks"))


def secret(client, name: str) -> str:
    return client.get_secret_value(SecretId=name)["SecretString"]


def test_should_import_airflow_s_export_as_the_backend_reads_it(aws, ops, airflow_export: Path):
    status, out = ops(
        "secrets-import",
        "--connections",
        str(airflow_export / CONNECTIONS_FILE),
        "--variables",
        str(airflow_export / VARIABLES_FILE),
    )
    assert status == 0, out
    assert f"{PREFIXES.connections}/warehouse: created" in out and f"{PREFIXES.variables}/limits: created" in out
    reader = backend(PREFIXES, REGION)
    warehouse = reader.get_connection("warehouse")
    assert (warehouse.host, warehouse.password, warehouse.port, warehouse.extra_dejson) == (
        "warehouse.internal",
        PASSWORD,
        5432,
        {"sslmode": "require"},
    )
    assert reader.get_connection("slack_alerts").password == TOKEN
    assert reader.get_variable("data_region") == "eu-west-1"
    assert json.loads(reader.get_variable("limits")) == {"rows": 1000}


def test_should_export_what_airflow_itself_exports(aws, ops, airflow_export: Path, tmp_path: Path):
    ops(
        "secrets-import",
        "--connections",
        str(airflow_export / CONNECTIONS_FILE),
        "--variables",
        str(airflow_export / VARIABLES_FILE),
    )
    status, out = ops("secrets-export", "--out", str(tmp_path))
    assert status == 0, out
    assert "exported 2 connection(s): slack_alerts, warehouse" in out
    for name in (CONNECTIONS_FILE, VARIABLES_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        assert json.loads((tmp_path / name).read_text()) == json.loads((airflow_export / name).read_text()), name
    status, out = ops("secrets-export", "--out", str(tmp_path))
    assert status == 2 and "exists; fix: pick another folder, or pass --overwrite" in out


def test_should_never_overwrite_a_secret_unless_asked(aws, ops, airflow_export: Path):
    name = f"{PREFIXES.connections}/warehouse"
    aws.create_secret(Name=name, SecretString='{"conn_type": "postgres", "host": "kept.internal"}')
    connections = str(airflow_export / CONNECTIONS_FILE)

    status, out = ops("secrets-import", "--connections", connections, "--dry-run")
    assert (
        status == 0 and f"{name}: exists, kept" in out and f"{PREFIXES.connections}/slack_alerts: would create" in out
    )
    assert [s["Name"] for s in aws.list_secrets()["SecretList"]] == [name], "a dry run created a secret"

    status, out = ops("secrets-import", "--connections", connections)
    assert status == 0 and f"{name}: exists, kept (pass --overwrite to replace it)" in out
    assert json.loads(secret(aws, name))["host"] == "kept.internal"

    status, out = ops("secrets-import", "--connections", connections, "--overwrite", "--dry-run")
    assert f"{name}: would overwrite" in out and json.loads(secret(aws, name))["host"] == "kept.internal"
    status, out = ops("secrets-import", "--connections", connections, "--overwrite")
    assert status == 0 and f"{name}: overwritten" in out
    assert json.loads(secret(aws, name))["host"] == "warehouse.internal"


def test_should_take_the_prefix_as_an_argument(aws, ops, airflow_export: Path):
    status, out = ops(
        "secrets-import",
        "--variables",
        str(airflow_export / VARIABLES_FILE),
        "--variables-prefix",
        "airflow-team-a/variables/",
    )
    assert status == 0 and "airflow-team-a/variables/data_region: created" in out
    assert secret(aws, "airflow-team-a/variables/data_region") == "eu-west-1"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["secrets-import"], "nothing to import"),
        (["secrets-import", "--connections", "/nonexistent/connections.json"], "no file /nonexistent/connections.json"),
    ],
    ids=["no-file", "missing-file"],
)
def test_should_refuse_what_it_cannot_import(aws, ops, argv, message):
    status, out = ops(*argv)
    assert (status, message in out) == (2, True), out
