"""The maintenance DAG (dags/maintenance_db_clean.py) cleans the metadata DB: on the native stack for real (old runs,
task instances, XComs and audit log rows gone, recent ones kept, the retention from airflow_settings), and on MWAA
through the CLI endpoint (an HTTPS loopback answering CreateCliToken and /aws_mwaa/cli as MWAA documents them)."""

from __future__ import annotations

import base64
import datetime
import importlib.util
import ipaddress
from datetime import UTC, timedelta

import pendulum
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from airflow_settings import load_settings
from local_airflow.processes import wait_for
from local_airflow.rest_client import TERMINAL_RUN_STATES, AirflowAPIError, AirflowClient
from local_airflow.services import AWS_DUMMY_KEY
from local_airflow.stack import NativeStack
from ops.db_backup import Database
from tests.examples.loopback import LoopbackServer, Request, Response
from tests.ops.conftest import MAINTENANCE_DAG, metadata_db

MAINTENANCE = "maintenance_db_clean"
PIPELINE = "ops_pipeline"
# Older than any retention the settings may hold (the model allows 1 day and up; the platform keeps 90).
AGE = timedelta(days=400)
# Rows per run: the tables `airflow db clean` empties for an old run (task instances and XComs with it).
RUN_ROWS = {
    "dag_run": "SELECT count(*) FROM dag_run WHERE run_id = %s",
    "task_instance": "SELECT count(*) FROM task_instance WHERE run_id = %s",
    "xcom": "SELECT count(*) FROM xcom WHERE run_id = %s",
}
AGE_RUN = [
    "UPDATE dag_run SET start_date = start_date - %(age)s, end_date = end_date - %(age)s WHERE run_id = %(run)s",
    "UPDATE task_instance SET start_date = start_date - %(age)s, end_date = end_date - %(age)s WHERE run_id = %(run)s",
    "UPDATE xcom SET timestamp = timestamp - %(age)s WHERE run_id = %(run)s",
]


def run_rows(db: Database, run_id: str) -> dict[str, int]:
    return {table: db.query(query, run_id)[0][0] for table, query in RUN_ROWS.items()}


def audit_events(db: Database) -> set[str]:
    return {event for (event,) in db.query("SELECT event FROM log WHERE event LIKE 'ops-test-%%'")}


def successful_run(client: AirflowClient, dag_id: str, conf: dict | None = None) -> str:
    run_id = client.trigger(dag_id, conf)
    assert client.wait_run(dag_id, run_id) == "success", f"{dag_id} {run_id}: {client.task_instances(dag_id, run_id)}"
    return run_id


def settle_scheduled_runs(client: AirflowClient, dag_id: str) -> None:
    """Wait until the DAG's next scheduled run lies in the future and every run it has ended. Unpaused at creation,
    the maintenance DAG gets its latest scheduled run as soon as it is parsed: a real clean that would otherwise
    race the dry run below."""
    client.wait_dag(dag_id)

    def settled() -> bool:
        run_after = client.get(f"/dags/{dag_id}")["next_dagrun_run_after"]
        if run_after is None or pendulum.parse(run_after) <= pendulum.now("UTC"):
            return False
        return all(run["state"] in TERMINAL_RUN_STATES for run in client.runs(dag_id))

    wait_for(
        settled,
        300,
        f"{dag_id}'s scheduled runs to end",
        diagnostics=lambda: f"runs: {[(run['run_id'], run['state']) for run in client.runs(dag_id)]}",
    )


@pytest.mark.stack
def test_should_delete_what_is_older_than_the_retention_and_keep_the_rest(stack: NativeStack, client: AirflowClient):
    settle_scheduled_runs(client, MAINTENANCE)
    old, recent = successful_run(client, PIPELINE), successful_run(client, PIPELINE)
    db = metadata_db(stack)
    connection = db.connect()
    with connection, connection.cursor() as cursor:
        for statement in AGE_RUN:
            cursor.execute(statement, {"age": AGE, "run": old})
        cursor.execute(
            "INSERT INTO log (dttm, event, owner) VALUES (now() - %s, 'ops-test-old', 'ops'), "
            "(now(), 'ops-test-recent', 'ops')",
            (AGE,),
        )
    connection.close()
    assert all(run_rows(db, old).values()), run_rows(db, old)

    successful_run(client, MAINTENANCE, {"dry_run": True})
    assert all(run_rows(db, old).values()), "the dry run deleted rows"

    cleaning = successful_run(client, MAINTENANCE)
    assert run_rows(db, old) == dict.fromkeys(RUN_ROWS, 0)
    assert all(run_rows(db, recent).values()), run_rows(db, recent)
    assert audit_events(db) == {"ops-test-recent"}
    with pytest.raises(AirflowAPIError, match="404"):
        client.run(PIPELINE, old)
    assert client.xcom(PIPELINE, recent, "extract") == {"rows": 3}

    # The cutoff the task returned comes from the setting every target receives.
    retention = load_settings().for_target("compose")["db_clean"]["retention_days"]
    cutoff = pendulum.parse(client.xcom(MAINTENANCE, cleaning, "clean_metadata_db"))
    assert abs(pendulum.now("UTC").subtract(days=retention) - cutoff) < timedelta(hours=1)


# ---- MWAA ------------------------------------------------------------------------------------------------


def maintenance_module():
    spec = importlib.util.spec_from_file_location("maintenance_db_clean", MAINTENANCE_DAG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeMWAA:
    """MWAA's control plane (CreateCliToken) and its web server's CLI endpoint, over HTTPS on 127.0.0.1, with a
    certificate made per test."""

    TOKEN = "cli-token"

    def __init__(self, tmp_path, stderr: str = ""):
        self.stderr = stderr
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=1))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256())
        )
        self.ca_file = tmp_path / "fake-mwaa.pem"
        self.ca_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file = tmp_path / "fake-mwaa.key"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self.server = LoopbackServer(self.answer, tls=(self.ca_file, key_file))
        self.port = self.server.port

    def answer(self, request: Request) -> Response:
        if request.path.startswith("/clitoken/"):
            return Response(body={"CliToken": self.TOKEN, "WebServerHostname": f"127.0.0.1:{self.port}"})
        streams = {"stdout": "Performing cleanup\n", "stderr": self.stderr}
        return Response(body={name: base64.b64encode(text.encode()).decode() for name, text in streams.items()})

    @property
    def commands(self) -> list[tuple[str, str, str]]:
        """The CLI endpoint's requests: (path, Authorization, command)."""
        return [(r.path, r.headers["Authorization"], r.body) for r in self.server.calls("POST", "/aws_mwaa/cli")]

    def __enter__(self) -> FakeMWAA:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


@pytest.fixture
def mwaa_env(monkeypatch: pytest.MonkeyPatch):
    def point_at(fake: FakeMWAA) -> None:
        for name, value in {
            "AWS_ENDPOINT_URL_MWAA": f"https://127.0.0.1:{fake.port}",
            # MWAA's API prefixes its host with "env."; a loopback has no such name.
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            "AWS_CA_BUNDLE": str(fake.ca_file),
            "REQUESTS_CA_BUNDLE": str(fake.ca_file),
            "AWS_ACCESS_KEY_ID": AWS_DUMMY_KEY,
            "AWS_SECRET_ACCESS_KEY": AWS_DUMMY_KEY,
            "AWS_DEFAULT_REGION": "eu-west-1",
        }.items():
            monkeypatch.setenv(name, value)

    return point_at


def test_should_clean_through_the_mwaa_cli_endpoint(tmp_path, mwaa_env):
    module = maintenance_module()
    before = pendulum.datetime(2026, 9, 1, tz="UTC")
    with FakeMWAA(tmp_path) as fake:
        mwaa_env(fake)
        output = module.clean_on_mwaa("airflow-prod", module.db_clean_command(before, dry_run=False))
    assert output == "Performing cleanup\n"
    assert fake.commands == [
        (
            "/aws_mwaa/cli",
            f"Bearer {FakeMWAA.TOKEN}",
            "db clean --clean-before-timestamp 2026-09-01T00:00:00+00:00 --skip-archive --yes",
        )
    ]


def test_should_fail_when_the_mwaa_command_failed(tmp_path, mwaa_env):
    module = maintenance_module()
    with FakeMWAA(tmp_path, stderr="Traceback (most recent call last):\n  boom\n") as fake:
        mwaa_env(fake)
        with pytest.raises(RuntimeError, match="failed on MWAA:\nTraceback"):
            module.clean_on_mwaa("airflow-prod", module.db_clean_command(pendulum.now("UTC"), dry_run=True))
    assert fake.commands[0][2].endswith("--yes --dry-run")
