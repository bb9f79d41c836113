"""The upgrade rehearsal: the metadata DB of an older Airflow 3 minor, migrated to the pinned version.

1. Airflow FROM in a throwaway uv environment, with its providers and libraries as the index had them when FROM
   was released, on a fresh PostgreSQL cluster;
2. it migrates the DB, stores connections and variables, and runs the stack's DAGs (history and XComs);
3. a snapshot with `python -m ops db-backup` (the runbook's step before every migration);
4. `airflow db migrate` with the pinned version, then `airflow db check-migrations`;
5. the pinned version finds the same runs, task instances and XComs, decrypts the same connections and variables,
   and runs the DAGs again.

Each step is timed; the whole takes minutes (the CI runs it in tests/ops). Runbook: docs/runbooks/upgrade.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from airflow_settings import load_settings
from airflow_settings.versions import AIRFLOW_VERSION, uv_executable
from local_airflow.compose import REPO_ROOT, database_url
from local_airflow.processes import free_port
from local_airflow.services import PostgreSQL
from ops.db_backup import Database, backup
from ops.errors import OpsError

PREVIOUS_MINOR = "3.2.2"
"""The default FROM: the newest release of the minor before the pinned Airflow's; move it with the Airflow pin."""
# The stack's DAGs that run without a cloud service: XComs (plain, mapped) and branching, on both versions.
REHEARSAL_DAGS = ("taskflow_etl", "example_dynamic_mapping", "example_branching")
CONNECTIONS = {"rehearsal_warehouse": {"conn_type": "postgres", "host": "warehouse.internal", "login": "reader"}}
VARIABLES = {"rehearsal_region": "eu-west-1", "rehearsal_limits": '{"rows": 1000}'}
# What must be the same after the migration: rows that name a run, a task instance or an XCom, in a stable order.
HISTORY_QUERIES = {
    "runs": "SELECT dag_id, run_id, state FROM dag_run ORDER BY 1, 2",
    "task instances": "SELECT dag_id, run_id, task_id, map_index, state FROM task_instance ORDER BY 1, 2, 3, 4",
    "xcoms": "SELECT dag_id, run_id, task_id, map_index, key, value::text FROM xcom ORDER BY 1, 2, 3, 4, 5",
}
COMMAND_TIMEOUT_S = 600
DEFAULT_INDEX = "https://pypi.org/simple"
# The providers of a release come out around it: a day later, the index holds the set it was released with.
RELEASE_SETTLING = timedelta(days=1)


def release_time(version: str) -> datetime:
    """When apache-airflow==version reached the package index (its wheel's upload time, PEP 700); OpsError when the
    index has no such release."""
    import requests

    index = os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL") or DEFAULT_INDEX
    response = requests.get(
        f"{index.rstrip('/')}/apache-airflow/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}, timeout=30
    )
    response.raise_for_status()
    for release in response.json()["files"]:
        if release["filename"] == f"apache_airflow-{version}-py3-none-any.whl" and release.get("upload-time"):
            return datetime.fromisoformat(release["upload-time"].replace("Z", "+00:00"))
    raise OpsError(f"{index} has no apache-airflow {version} wheel (with an upload time); fix: pick a released 3.x")


def check_from_version(version: str) -> str:
    """FROM must be an Airflow 3 release older than the pinned one."""
    if not re.fullmatch(r"3\.\d+\.\d+", version):
        raise OpsError(f"FROM {version!r} is not an Airflow 3 release such as 3.2.2")
    if tuple(map(int, version.split("."))) >= tuple(map(int, AIRFLOW_VERSION.split("."))):
        raise OpsError(f"FROM {version} is not older than the pinned Airflow {AIRFLOW_VERSION}: nothing to migrate")
    return version


@dataclass
class Rehearsal:
    """One rehearsal under `work`; `timings` holds each step's seconds, `history_after` what the pinned version
    found of FROM's runs, task instances and XComs (the same rows FROM left)."""

    from_version: str
    work: Path
    dag_ids: tuple[str, ...] = REHEARSAL_DAGS
    timings: dict[str, float] = field(default_factory=dict)
    history_after: dict[str, list[tuple]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.postgres = PostgreSQL(free_port())
        self.from_env = self.work / f"airflow-{self.from_version}"
        self.dags = self.work / "dags"
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(self.work / "home"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url("postgresql+psycopg2", "127.0.0.1", self.postgres.port),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # One key for both versions, as a real upgrade keeps its Fernet key: connections must still decrypt.
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            # The platform's auth manager (FAB on EKS), so its user tables are migrated too.
            "AIRFLOW__CORE__AUTH_MANAGER": load_settings().for_target("eks")["core"]["auth_manager"],
            "AIRFLOW__SECRETS__BACKEND": "",
        }
        self.database = Database.from_url(self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        print(f"--- {name}", flush=True)
        yield
        self.timings[name] = time.monotonic() - started
        print(f"    {self.timings[name]:.1f} s", flush=True)

    def airflow(self, version: str, *args: str) -> str:
        """Run the CLI of `version` (FROM's environment, or the pinned one running this module); its stdout."""
        bin_dir = self.from_env / "bin" if version == self.from_version else Path(sys.executable).parent
        started = time.monotonic()
        result = subprocess.run(
            [str(bin_dir / "airflow"), *args], env=self.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
        )
        print(f"    airflow {' '.join(args)}: {time.monotonic() - started:.1f} s", flush=True)
        if result.returncode != 0:
            raise RuntimeError(
                f"airflow {version}: `airflow {' '.join(args)}` exited {result.returncode}:\n"
                f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
            )
        return result.stdout

    def history(self) -> dict[str, list[tuple]]:
        return {name: self.database.query(query) for name, query in HISTORY_QUERIES.items()}

    def run_dags(self, version: str, logical_date: str) -> None:
        for dag_id in self.dag_ids:
            self.airflow(version, "dags", "test", dag_id, logical_date)

    def run(self) -> None:
        """The whole rehearsal; RuntimeError at the first step that fails."""
        self.dags.mkdir(parents=True, exist_ok=True)
        for dag_id in self.dag_ids:
            shutil.copy(REPO_ROOT / "dags" / f"{dag_id}.py", self.dags)
        (self.work / "seed").mkdir(exist_ok=True)
        (self.work / "seed" / "connections.json").write_text(json.dumps(CONNECTIONS))
        (self.work / "seed" / "variables.json").write_text(json.dumps(VARIABLES))
        with self.step(f"install Airflow {self.from_version} (uv)"):
            # What a deployment of FROM ran: its providers and libraries as the index had them then (Airflow's own
            # constraints files are on GitHub, out of reach); a later library (pydantic) can break an older Airflow.
            resolved_by = release_time(self.from_version) + RELEASE_SETTLING
            uv = uv_executable()
            subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(self.from_env)], check=True)
            python = str(self.from_env / "bin" / "python")
            requirements = [f"apache-airflow[postgres,fab]=={self.from_version}", "psycopg2-binary"]
            subprocess.run(
                [
                    uv,
                    "pip",
                    "install",
                    "--quiet",
                    "--python",
                    python,
                    *requirements,
                    "--exclude-newer",
                    resolved_by.isoformat(),
                ],
                check=True,
            )
        with self.step("start a fresh PostgreSQL"):
            self.postgres.start()
        with self.step(f"Airflow {self.from_version}: migrate, connections, variables, run the DAGs"):
            self.airflow(self.from_version, "db", "migrate")
            self.airflow(self.from_version, "connections", "import", str(self.work / "seed" / "connections.json"))
            self.airflow(self.from_version, "variables", "import", str(self.work / "seed" / "variables.json"))
            self.run_dags(self.from_version, "2026-11-01")
            before = self.history()
        with self.step("snapshot (ops db-backup)"):
            backup(self.database, self.work / "before-upgrade.dump")
        with self.step(f"migrate to Airflow {AIRFLOW_VERSION}"):
            self.airflow(AIRFLOW_VERSION, "db", "migrate")
            self.airflow(AIRFLOW_VERSION, "db", "check-migrations", "--migration-wait-timeout", "1")
        with self.step(f"Airflow {AIRFLOW_VERSION}: history, connections, variables, run the DAGs again"):
            self.history_after = self.history()
            lost = {name: sorted(set(before[name]) - set(self.history_after[name])) for name in before}
            if before != self.history_after:
                raise RuntimeError(f"the migration changed the history: missing or changed rows {lost}")
            self.check_connections_and_variables()
            self.run_dags(AIRFLOW_VERSION, "2026-11-02")

    def check_connections_and_variables(self) -> None:
        for conn_id, fields in CONNECTIONS.items():
            printed = self.airflow(AIRFLOW_VERSION, "connections", "get", conn_id, "-o", "json")
            found = json.loads(printed.strip().splitlines()[-1])[0]  # the last line: after what Airflow logs at start
            wrong = {key: found.get(key) for key, value in fields.items() if found.get(key) != value}
            if wrong:
                raise RuntimeError(f"connection {conn_id} changed in the migration: {sorted(wrong)}")
        for key, value in VARIABLES.items():
            if self.airflow(AIRFLOW_VERSION, "variables", "get", key).strip().splitlines()[-1] != value:
                raise RuntimeError(f"variable {key} changed in the migration")

    def remove(self) -> None:
        self.postgres.remove()


def rehearse(from_version: str, work: Path | None = None, dag_ids: tuple[str, ...] = REHEARSAL_DAGS) -> Rehearsal:
    """Run the rehearsal with the DAGs of dags/ named (in a temp folder unless `work` is given, which is kept);
    raise on the first failure."""
    check_from_version(from_version)
    unknown = [dag_id for dag_id in dag_ids if not (REPO_ROOT / "dags" / f"{dag_id}.py").is_file()]
    if unknown:
        raise OpsError(f"no dags/<dag_id>.py for {', '.join(unknown)}; the rehearsal runs DAGs of dags/ by file name")
    folder = work or Path(tempfile.mkdtemp(prefix="upgrade-rehearsal-"))
    rehearsal = Rehearsal(from_version, folder, tuple(dag_ids))
    try:
        rehearsal.run()
    finally:
        rehearsal.remove()
        if work is None:
            shutil.rmtree(folder, ignore_errors=True)
    return rehearsal


def report(timings: Mapping[str, float]) -> str:
    lines = [f"{seconds:7.1f} s  {name}" for name, seconds in timings.items()]
    return "\n".join([*lines, f"{sum(timings.values()):7.1f} s  in all"])


def _rehearse(args: argparse.Namespace) -> int:
    rehearsal = rehearse(args.from_version, args.work, tuple(args.dag or REHEARSAL_DAGS))
    print(
        f"upgrade {args.from_version} -> {AIRFLOW_VERSION} rehearsed: history, XComs, connections and variables "
        f"intact, the DAGs ran again\n{report(rehearsal.timings)}"
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "upgrade-rehearsal", help=f"migrate an older Airflow 3's metadata DB to {AIRFLOW_VERSION}, and check it"
    )
    command.add_argument(
        "--from", dest="from_version", default=PREVIOUS_MINOR, help=f"the older Airflow (default {PREVIOUS_MINOR})"
    )
    command.add_argument(
        "--dag", action="append", help=f"a DAG of dags/ to run on both versions (default: {', '.join(REHEARSAL_DAGS)})"
    )
    command.add_argument("--work", type=Path, help="keep everything in this folder (default: a temp one, removed)")
    command.set_defaults(handler=_rehearse)
