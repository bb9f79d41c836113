"""The compose stack, natively: real PostgreSQL and Redis, then every Airflow component as a process.

`make stack` runs it for a person without Docker; tests/stack/conftest.py runs it for the e2e and fault tests;
bench/stack.py runs it twice (stock and tuned). The Airflow environment is the compose file's own
(`compose.airflow_environment`), wired to free loopback ports, a temp AIRFLOW_HOME and secrets generated per
stack instead of service names and .env, so the native stack and `make up` cannot drift apart.

What compose gives for free is done by hand here:
- the services (PostgreSQL, Redis, AWS as moto, the git repository) are local_airflow/services.py;
- `restart: always`: a watcher thread restarts a component that dies unless the stack stopped it on purpose;
- stop: every component runs in a session of its own, and stopping kills the whole session, because a
  running task sits in its own process group under the Celery worker.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from airflow_settings import load_settings
from airflow_settings.git_bundle import git_connection_env, git_dag_bundle
from airflow_settings.teams import Team
from local_airflow import compose, teams
from local_airflow.observability import Observability
from local_airflow.processes import free_port, stop_on_signals, stop_session, wait_for, wait_healthy
from local_airflow.rest_client import AirflowClient
from local_airflow.services import AWS_REGION, GitRepo, MotoAWS, PostgreSQL, Redis

ADMIN_USER, ADMIN_PASSWORD = compose.DEFAULT_ADMIN_USERNAME, "airflow"
LOG_BUCKET = "airflow-logs"
# The airflow CLI of the environment running this module, whether or not its bin/ is on PATH.
AIRFLOW_CLI = str(Path(sys.executable).with_name("airflow"))
# Components in start order, with the airflow subcommand each runs (the compose services' `command:`).
COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
    "worker": ["celery", "worker"],
}
# How long a component gets to stop on a signal other than SIGKILL before its session is killed.
STOP_GRACE_S = 20
HEALTH_TIMEOUT_S = 180


@dataclass
class Component:
    name: str
    process: subprocess.Popen
    log: Path
    starts: int = 1


@dataclass
class NativeStack:
    """One stack under `root`. `overrides` (AIRFLOW__… variables) go on top, None removing one: bench/stack.py
    uses them to run Airflow's stock values beside ours."""

    root: Path
    dags_folder: Path
    # The repository's plugins/, as compose mounts ./plugins: the workers' Celery config lives there.
    plugins_folder: Path = compose.REPO_ROOT / "plugins"
    overrides: Mapping[str, str | None] = field(default_factory=dict)
    git_bundle: bool = True
    # statsd_exporter, pgbouncer and the exporters, and Prometheus beside the stack (local_airflow/observability.py);
    # Airflow then reaches PostgreSQL through pgbouncer, as on EKS.
    observability: bool = False
    # A Celery worker per team on the team's queue, beside the shared one (local_airflow/teams.py); their UI roles
    # need the FAB auth manager (overrides AIRFLOW__CORE__AUTH_MANAGER).
    teams: Sequence[Team] = ()
    components: dict[str, Component] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.ports = {
            name: free_port()
            for name in ("postgres", "redis", "api", "scheduler_health", "worker_logs", "trigger_logs", "moto")
        }
        # Every component's airflow subcommand, the team workers after the shared one.
        self.commands = {**COMPONENTS, **{teams.worker_name(team): teams.worker_command(team) for team in self.teams}}
        self.airflow_home = self.root / "airflow"
        self.api_url = f"http://127.0.0.1:{self.ports['api']}"
        self.postgres = PostgreSQL(self.ports["postgres"])
        self.redis = Redis(self.ports["redis"], self.root / "redis")
        self.aws = MotoAWS(self.ports["moto"])
        self.git = GitRepo(self.root / "git" / "dags.git")
        self.metrics = (
            Observability(self.root / "metrics", self.ports["postgres"], self.ports["redis"])
            if self.observability
            else None
        )
        # Generated per stack, as `make up` generates them into .env: never a fixed value in a file in git.
        self._jwt_secret = secrets.token_urlsafe(64)
        self._fernet_key = Fernet.generate_key().decode()
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        # Components the watcher leaves down: a test holds one down to watch what its absence raises.
        self._held: set[str] = set()
        # What a component runs with on top of self.env: each team worker its log port and secrets prefixes.
        self._own_env = {teams.worker_name(team): teams.worker_env(team, self.env, free_port()) for team in self.teams}

    # ---- configuration -------------------------------------------------------------------------------------

    @property
    def wiring(self) -> compose.Wiring:
        return compose.Wiring(
            database_host="127.0.0.1",
            database_port=self.ports["postgres"],
            redis_host="127.0.0.1",
            redis_port=self.ports["redis"],
            api_server_host="127.0.0.1",
            api_server_port=self.ports["api"],
            airflow_home=str(self.airflow_home),
            jwt_secret=self._jwt_secret,
            fernet_key=self._fernet_key,
            admin_username=ADMIN_USER,
        )

    @property
    def env(self) -> dict[str, str]:
        """The full environment of every Airflow process."""
        if not hasattr(self, "_env"):
            self._env = self._build_env()
        return self._env

    def _build_env(self) -> dict[str, str]:
        env = compose.airflow_environment(self.wiring)
        env |= {
            # What compose expresses with mounts and ports.
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(self.plugins_folder),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.airflow_home / "logs"),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.ports["api"]),
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(self.ports["scheduler_health"]),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.ports["worker_logs"]),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.ports["trigger_logs"]),
            # AWS is moto on loopback: task logs go to its S3.
            **self.aws.environment(),
            "AIRFLOW__LOGGING__REMOTE_LOGGING": "True",
            "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER": f"s3://{LOG_BUCKET}/logs",
            "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID": "aws_default",
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps({"conn_type": "aws", "extra": {"region_name": AWS_REGION}}),
            "PYTHONUNBUFFERED": "1",
        }
        if self.git_bundle:
            env |= self._git_bundle_env()
        if self.metrics:
            env |= self.metrics.airflow_environment()
        env |= teams.roster_env(self.teams)
        merged = {**os.environ, **env, **self.overrides}
        return {key: value for key, value in merged.items() if value is not None}

    def _git_bundle_env(self) -> dict[str, str]:
        """The DAG bundles: ./dags as compose mounts it, plus the git bundle tracking `main` of the git repo."""
        bundles = [
            {"name": "dags-folder", "kwargs": {}, "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle"},
            git_dag_bundle(tracking_ref="main", subdir="dags", refresh_interval=5),
        ]
        return {
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": str(self.root / "bundles"),
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(bundles),
            **git_connection_env(f"file://{self.git.path}"),
        }

    # ---- Airflow -------------------------------------------------------------------------------------------

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [AIRFLOW_CLI, *args], env=self.env, check=True, capture_output=True, text=True, timeout=timeout
        )

    @property
    def uses_fab(self) -> bool:
        """Whether the stack runs the FAB auth manager (users and roles in the metadata DB) instead of compose's
        SimpleAuthManager."""
        return self.env["AIRFLOW__CORE__AUTH_MANAGER"] == teams.FAB_AUTH_MANAGER

    def _write_passwords_file(self) -> None:
        # What airflow-init does in compose: SimpleAuthManager's login for the admin user.
        passwords_file = Path(self.wiring.passwords_file)
        passwords_file.parent.mkdir(parents=True, exist_ok=True)
        passwords_file.write_text(json.dumps({ADMIN_USER: ADMIN_PASSWORD}))

    def create_user(self, username: str, password: str, role: str) -> None:
        """A FAB user (the FAB auth manager only), as `airflow users create` makes one."""
        self.airflow(
            *("users", "create", "--username", username, "--password", password, "--role", role),
            *("--email", f"{username}@airflow.invalid", "--firstname", username, "--lastname", "User"),
        )

    def _sync_teams(self) -> None:
        """The teams' UI roles and pools, before any component parses a DAG that names a role."""
        env = {**self.env, "PYTHONPATH": str(self.plugins_folder)}
        subprocess.run(
            [sys.executable, *teams.TEAMS_SYNC], env=env, check=True, capture_output=True, text=True, timeout=300
        )

    def start_component(self, name: str) -> Component:
        with self._lock:
            log = self.root / "logs" / f"{name}.log"
            log.parent.mkdir(exist_ok=True)
            previous = self.components.get(name)
            with log.open("a") as sink:
                process = subprocess.Popen(
                    [AIRFLOW_CLI, *self.commands[name]],
                    env={**self.env, **self._own_env.get(name, {})},
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    cwd=self.root,
                )
            starts = previous.starts + 1 if previous else 1
            self.components[name] = Component(name, process, log, starts=starts)
            self._held.discard(name)
            return self.components[name]

    def kill_component(self, name: str, sig: int = signal.SIGKILL, *, hold: bool = False) -> None:
        """Stop every process in the component's session (a running task is in its own process group).

        The watcher starts it again, unless `hold`: then it stays down until start_component."""
        with self._lock:
            if hold:
                self._held.add(name)
            component = self.components.pop(name)
            stop_session(component.process, sig, STOP_GRACE_S)
            self.components[name] = component  # kept for its start count; restart_component replaces it

    def restart_component(self, name: str, sig: int = signal.SIGKILL) -> None:
        with self._lock:
            self.kill_component(name, sig)
            self.start_component(name)

    def _watch(self) -> None:
        """compose's `restart: always`: a component that exits on its own is started again."""
        while not self._stopping.wait(1):
            with self._lock:
                for name, component in list(self.components.items()):
                    held = name in self._held
                    if component.process.poll() is not None and not held and not self._stopping.is_set():
                        with component.log.open("a") as sink:
                            sink.write(
                                f"\n[stack] {name} exited with {component.process.returncode}; "
                                "restarting it (restart: always)\n"
                            )
                        self.start_component(name)

    def worker_ready(self, name: str = "worker") -> bool:
        worker = self.components[name]
        # Celery prints `celery@host ready.` once per start; the log is appended across restarts.
        if not worker.log.exists():
            return False
        return worker.log.read_text(errors="replace").count(" ready.") >= worker.starts

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT_S) -> None:
        wait_healthy(self.api_url, timeout)
        for name in self.commands:
            if self.commands[name][:2] == ["celery", "worker"]:
                wait_for(partial(self.worker_ready, name), timeout, f"the Celery worker {name}'s `ready.` line")

    def start(self) -> NativeStack:
        try:
            self.aws.start()
            self.aws.client("s3").create_bucket(Bucket=LOG_BUCKET)
            self.postgres.start()
            self.redis.start()
            if self.metrics:
                self.metrics.start()
            if self.git_bundle:
                self.git.init()
            self._write_passwords_file()
            self.airflow("db", "migrate")
            if self.uses_fab:
                self.create_user(ADMIN_USER, ADMIN_PASSWORD, "Admin")
            if self.teams:
                self._sync_teams()
            for name in self.commands:
                self.start_component(name)
            self._watcher = threading.Thread(target=self._watch, name="restart-always", daemon=True)
            self._watcher.start()
            self.wait_healthy()
        except BaseException:
            self.print_logs()
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop everything, each step even when an earlier one failed; re-raise the first failure."""
        self._stopping.set()
        if self._watcher:
            self._watcher.join(5)
        steps: list[Callable[[], None]] = [
            self._stop_components,
            *([self.metrics.stop] if self.metrics else []),
            self.redis.stop,
            self.postgres.remove,
            self.aws.stop,
        ]
        failures = []
        for step in steps:
            try:
                step()
            except Exception as err:  # keep stopping the rest; report below
                failures.append(err)
        if failures:
            raise failures[0]

    def _stop_components(self) -> None:
        """SIGTERM to every component at once, as `docker compose down` stops its containers: one grace period
        in all, not one per component (a teams stack's teardown took 97 s one after the other)."""
        with self._lock, ThreadPoolExecutor(max_workers=max(1, len(self.components))) as pool:
            stops = [
                pool.submit(stop_session, component.process, signal.SIGTERM, STOP_GRACE_S)
                for component in self.components.values()
            ]
        for stop in stops:
            stop.result()

    def print_logs(self, lines: int = 40) -> None:
        logs = sorted((self.root / "logs").glob("*.log")) + (self.metrics.logs() if self.metrics else [])
        for log in logs:
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            print(f"----- {log.name} (last {len(tail)} lines) -----", *tail, sep="\n", file=sys.stderr)

    def client(self) -> AirflowClient:
        return AirflowClient(self.api_url, ADMIN_USER, ADMIN_PASSWORD)


@contextlib.contextmanager
def running_stack(root: Path, dags_folder: Path, **kwargs: Any) -> Iterator[NativeStack]:
    stack = NativeStack(root=root, dags_folder=dags_folder, **kwargs).start()
    try:
        yield stack
    finally:
        stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the compose stack natively until Ctrl-C.")
    parser.add_argument(
        "--root",
        type=Path,
        default=compose.REPO_ROOT / ".state" / "stack",
        help="where Redis, logs and the git repo live (wiped first)",
    )
    parser.add_argument("--dags", type=Path, default=compose.REPO_ROOT / "dags")
    parser.add_argument("--plugins", type=Path, default=compose.REPO_ROOT / "plugins")
    parser.add_argument(
        "--observability", action="store_true", help="run statsd_exporter, pgbouncer, the exporters and Prometheus too"
    )
    parser.add_argument(
        "--teams",
        action="store_true",
        help="a worker per team of airflow_settings/settings.yaml `teams:`, with the FAB auth manager for their roles",
    )
    args = parser.parse_args(argv)
    with_teams = {"teams": load_settings().teams, "overrides": {"AIRFLOW__CORE__AUTH_MANAGER": teams.FAB_AUTH_MANAGER}}
    shutil.rmtree(args.root, ignore_errors=True)
    stop_on_signals(signal.SIGTERM)
    root, dags, plugins = args.root.resolve(), args.dags.resolve(), args.plugins.resolve()
    for folder in (dags, plugins):  # as `make up` creates the mounted folders
        folder.mkdir(parents=True, exist_ok=True)
    with running_stack(
        root, dags, plugins_folder=plugins, observability=args.observability, **(with_teams if args.teams else {})
    ) as stack:
        if stack.metrics:
            print(f"Prometheus (alerts, queries): {stack.metrics.prometheus.url}", flush=True)
        print(
            f"Airflow is up: {stack.api_url}  login {ADMIN_USER} / {ADMIN_PASSWORD}\n"
            f"DAGs from {args.dags} and from git: push to {stack.git.path} (branch main, folder dags/)\n"
            f"Component logs in {args.root / 'logs'}. Ctrl-C stops everything.",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
