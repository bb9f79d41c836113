"""`ops db-backup` / `ops db-restore`: clear refusals, and the restore rehearsal: dump the running native stack,
restore it into a fresh PostgreSQL cluster, start Airflow on it; check-migrations passes, the API lists the same
runs and the connections still decrypt."""

from __future__ import annotations

import json
import stat

import pytest

from local_airflow.compose import database_url
from local_airflow.processes import free_port, wait_for
from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack
from ops.__main__ import main as ops_main

WAREHOUSE = {"connection_id": "ops_warehouse", "conn_type": "postgres", "host": "warehouse.internal", "login": "ops"}
WAREHOUSE_PASSWORD = "restored-s3cret"  # pragma: allowlist secret


def ops(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = ops_main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def url_of(stack: NativeStack) -> str:
    return database_url("postgresql+psycopg2", "127.0.0.1", stack.postgres.port)


def every_run(client: AirflowClient) -> dict[str, list[tuple[str, str]]]:
    return {
        dag_id: sorted((run["dag_run_id"], run["state"]) for run in client.runs(dag_id))
        for dag_id in sorted(client.dag_ids())
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["db-backup", "--file", "x.dump"], "no database: pass --db-url or set AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"),
        (["db-backup", "--db-url", "sqlite:////tmp/airflow.db", "--file", "x.dump"], "sqlite:// is not PostgreSQL"),
        (["db-restore", "--db-url", "postgresql://airflow@127.0.0.1", "--file", "x.dump"], "needs a user, a host"),
    ],
    ids=["no-url", "not-postgres", "no-database"],
)
def test_should_refuse_a_missing_or_wrong_database_url(capsys, monkeypatch, tmp_path, argv, message):
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    monkeypatch.chdir(tmp_path)
    status, _, err = ops(capsys, *argv)
    assert (status, message in err) == (2, True), err
    assert not (tmp_path / "x.dump").exists()


def test_should_say_which_database_it_cannot_reach(capsys, tmp_path):
    port = free_port()
    url = f"postgresql+psycopg2://airflow:hidden-pw@127.0.0.1:{port}/airflow"  # pragma: allowlist secret
    status, _, err = ops(capsys, "db-backup", "--db-url", url, "--file", str(tmp_path / "x.dump"))
    assert status == 2 and f"cannot reach airflow@127.0.0.1:{port}/airflow:" in err, err
    assert "hidden-pw" not in err
    assert list(tmp_path.iterdir()) == [], "a partial dump was left behind"


def test_should_refuse_a_file_that_is_not_a_dump(capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("not a dump")
    url = f"postgresql://airflow:pw@127.0.0.1:{free_port()}/airflow"  # pragma: allowlist secret
    status, _, err = ops(capsys, "db-restore", "--db-url", url, "--file", str(tmp_path / "notes.txt"))
    assert status == 2 and "is not a pg_dump custom-format file" in err, err


@pytest.mark.stack
def test_restore_rehearsal_brings_back_the_same_runs_on_a_fresh_cluster(
    stack: NativeStack, client: AirflowClient, capsys, tmp_path
):
    client.request("POST", "/connections", json={**WAREHOUSE, "password": WAREHOUSE_PASSWORD})
    client.wait_dag("ops_pipeline")
    assert client.wait_run("ops_pipeline", client.trigger("ops_pipeline")) == "success"
    wait_for(
        lambda: not [run for runs in every_run(client).values() for run in runs if run[1] in ("queued", "running")],
        300,
        "every run to end before the dump",
    )
    runs = every_run(client)

    dump = tmp_path / "airflow.dump"
    status, out, err = ops(capsys, "db-backup", "--db-url", url_of(stack), "--file", str(dump))
    assert status == 0, err
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert ops(capsys, "db-backup", "--db-url", url_of(stack), "--file", str(dump))[0] == 2, "overwrote a dump"

    # A second stack whose Airflow has never run: its own PostgreSQL cluster, the first one's Fernet key.
    restored = NativeStack(
        root=tmp_path / "restored",
        dags_folder=stack.dags_folder,
        git_bundle=False,
        overrides={"AIRFLOW__CORE__FERNET_KEY": stack.env["AIRFLOW__CORE__FERNET_KEY"]},
    )
    restored.postgres.start()
    try:
        status, out, err = ops(capsys, "db-restore", "--db-url", url_of(restored), "--file", str(dump))
        assert status == 0, err
        status, _, err = ops(capsys, "db-restore", "--db-url", url_of(restored), "--file", str(dump))
        assert status == 2 and "refusing to restore over them" in err and "--clean" in err, err
        status, _, err = ops(capsys, "db-restore", "--db-url", url_of(restored), "--file", str(dump), "--clean")
        assert status == 0, err
        restored.postgres.stop()  # start() starts it again, on the restored data

        restored.start()
        restored.airflow("db", "check-migrations", "--migration-wait-timeout", "1")
        assert every_run(restored.client()) == runs
        printed = restored.airflow("connections", "get", WAREHOUSE["connection_id"], "-o", "json").stdout
        found = json.loads(printed.strip().splitlines()[-1])  # after whatever Airflow logs at start
        assert (found[0]["host"], found[0]["password"]) == (WAREHOUSE["host"], WAREHOUSE_PASSWORD)
    finally:
        restored.stop()
