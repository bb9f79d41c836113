"""The compose stack, natively: real PostgreSQL and Redis, then every Airflow component as a process.

`make stack` runs it for a person without Docker; tests/stack/conftest.py runs it for the e2e and fault tests;
bench/stack.py runs it twice (stock and tuned). The Airflow environment is the compose file's own
(`x-airflow-common.environment` in docker-compose.yaml), with each service hostname mapped to a free loopback
port and /opt/airflow mapped to a temp dir, so the native stack and `make up` cannot drift apart.

What compose gives for free is done by hand here:
- PostgreSQL refuses to run as root: initdb/pg_ctl run as the `postgres` user (runuser), data in a temp dir;
- `restart: always`: a watcher thread restarts a component that dies unless the stack stopped it on purpose;
- stop: every component runs in a session of its own, and stopping kills the whole session, because a
  running task sits in its own process group under the Celery worker.

AWS is moto's ThreadedMotoServer on loopback: the Secrets Manager backend (connections and variables) and S3
remote task logging talk to it exactly as they would to AWS.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import requests
import yaml
from cryptography.fernet import Fernet
from moto.server import ThreadedMotoServer

from local_airflow import compose

ADMIN_USER, ADMIN_PASSWORD = "airflow", "airflow"
LOG_BUCKET = "airflow-logs"
AWS_REGION = "us-east-1"
GIT_BUNDLE = "git_dags"
GIT_CONN_ID = "git_dags_repo"
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll until condition() is truthy; return its value or raise TimeoutError naming what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception):
            if value := condition():
                return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def session_pids(sid: int) -> list[int]:
    """Every live process in session `sid` (field 6 of /proc/PID/stat); zombies are already dead."""
    pids = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                pids.append(int(stat.split("/")[2]))
    return pids


def stop_on_sigterm() -> None:
    """Turn the first SIGTERM (a timeout, a CI cancel) into KeyboardInterrupt and ignore later ones, so the
    `finally` that stops the stack runs once, to the end."""

    def interrupt(*_: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGTERM, interrupt)


def kill_session(sid: int, sig: int = signal.SIGKILL) -> None:
    for pid in session_pids(sid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def compose_airflow_environment(compose_file: Path = compose.COMPOSE_FILE) -> dict[str, str]:
    """The Airflow environment exactly as the compose file gives it to every Airflow service."""
    document = yaml.safe_load(compose_file.read_text())
    return {key: str(value) for key, value in document["x-airflow-common"]["environment"].items()}


_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error}, resolved from `variables` (or the default)."""

    def substitute(match: re.Match[str]) -> str:
        name, rest = match.group(1), match.group(0)[len(match.group(1)) + 2 : -1]
        if name in variables:
            return variables[name]
        if rest.startswith((":-", "-")):
            return rest.split("-", 1)[1]
        raise KeyError(f"{name} is required by the compose file ({match.group(0)}) and was not given")

    return _INTERPOLATION.sub(substitute, value)


def native_environment(
    compose_env: Mapping[str, str], variables: Mapping[str, str], hosts: Mapping[str, str], airflow_home: Path
) -> dict[str, str]:
    """The compose environment with `.env` variables filled in, hostnames mapped and /opt/airflow moved."""
    native = {}
    for key, value in compose_env.items():
        value = interpolate(value, variables)
        for service_address, loopback in hosts.items():
            value = value.replace(service_address, loopback)
        native[key] = value.replace(compose.AIRFLOW_HOME, str(airflow_home))
    return native


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
    components: dict[str, Component] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.ports = {
            name: free_port()
            for name in ("postgres", "redis", "api", "scheduler_health", "worker_logs", "trigger_logs", "moto")
        }
        self.airflow_home = self.root / "airflow"
        self.api_url = f"http://127.0.0.1:{self.ports['api']}"
        self.git_repo = self.root / "git" / "dags.git"
        self._stopping = False
        self._lock = threading.RLock()
        self._moto: ThreadedMotoServer | None = None
        self._redis: subprocess.Popen | None = None
        self._watcher: threading.Thread | None = None

    # ---- configuration -------------------------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """The full environment of every Airflow process."""
        if not hasattr(self, "_env"):
            self._env = self._build_env()
        return self._env

    def _build_env(self) -> dict[str, str]:
        secrets_file = self.root / "secrets.json"
        if not secrets_file.exists():
            # Generated per stack, like `make up` does into .env: never a fixed value in a file in git.
            secrets_file.write_text(
                json.dumps(
                    {
                        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
                        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
                    }
                )
            )
            secrets_file.chmod(0o600)
        variables = {**json.loads(secrets_file.read_text()), "_AIRFLOW_WWW_USER_USERNAME": ADMIN_USER}
        hosts = {
            f"{compose.POSTGRES_HOST}:{compose.POSTGRES_PORT}": f"127.0.0.1:{self.ports['postgres']}",
            f"{compose.REDIS_HOST}:{compose.REDIS_PORT}": f"127.0.0.1:{self.ports['redis']}",
            f"{compose.API_SERVER_HOST}:{compose.API_SERVER_PORT}": f"127.0.0.1:{self.ports['api']}",
        }
        env = native_environment(compose_airflow_environment(), variables, hosts, self.airflow_home)
        moto_url = f"http://127.0.0.1:{self.ports['moto']}"
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
            # AWS is moto on loopback; boto3 honours AWS_ENDPOINT_URL, dummy keys are required.
            "AWS_ENDPOINT_URL": moto_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": AWS_REGION,
            "AIRFLOW__LOGGING__REMOTE_LOGGING": "True",
            "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER": f"s3://{LOG_BUCKET}/logs",
            "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID": "aws_default",
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps({"conn_type": "aws", "extra": {"region_name": AWS_REGION}}),
            "PYTHONUNBUFFERED": "1",
        }
        if self.git_bundle:
            env |= {
                "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": str(self.root / "bundles"),
                "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(
                    [
                        {
                            "name": "dags-folder",
                            "kwargs": {},
                            "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                        },
                        {
                            "name": GIT_BUNDLE,
                            "classpath": "airflow.providers.git.bundles.git.GitDagBundle",
                            "kwargs": {
                                "git_conn_id": GIT_CONN_ID,
                                "tracking_ref": "main",
                                "subdir": "dags",
                                "refresh_interval": 5,
                            },
                        },
                    ]
                ),
                f"AIRFLOW_CONN_{GIT_CONN_ID.upper()}": json.dumps(
                    {"conn_type": "git", "host": f"file://{self.git_repo}"}
                ),
            }
        merged = {**os.environ, **env, **self.overrides}
        return {key: value for key, value in merged.items() if value is not None}

    # ---- PostgreSQL and Redis ------------------------------------------------------------------------------

    def _postgres_bin(self, tool: str) -> str:
        candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), key=lambda p: int(p.split("/")[4]))
        if not candidates:
            raise FileNotFoundError(
                f"{tool} not found under /usr/lib/postgresql/*/bin: "
                "install Debian's postgresql package (apt-get install postgresql)"
            )
        return candidates[-1]

    def _as_postgres(self, *command: str) -> None:
        """Run a PostgreSQL tool as `postgres` when we are root (it refuses root), else as ourselves."""
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*as_postgres, *command], capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")

    @property
    def _pg_data(self) -> Path:
        # Its own temp dir, owned by postgres: the stack root may sit under dirs postgres can't enter (0700).
        if not hasattr(self, "_pg_root"):
            self._pg_root = Path(tempfile.mkdtemp(prefix="stack-postgres-"))
            if os.geteuid() == 0:
                shutil.chown(self._pg_root, "postgres", "postgres")
        return self._pg_root / "data"

    def start_postgres(self) -> None:
        pg_root = self._pg_data.parent
        if not self._pg_data.exists():
            # The same role, password and database as the compose postgres service.
            (pg_root / "pwfile").write_text("airflow\n")
            if os.geteuid() == 0:
                shutil.chown(pg_root / "pwfile", "postgres", "postgres")
            self._as_postgres(
                self._postgres_bin("initdb"),
                "-D",
                str(self._pg_data),
                "-U",
                "airflow",
                "--pwfile",
                str(pg_root / "pwfile"),
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
            )
        self._as_postgres(
            self._postgres_bin("pg_ctl"),
            "-D",
            str(self._pg_data),
            "-l",
            str(pg_root / "postgres.log"),
            "-w",
            "-o",
            f"-p {self.ports['postgres']} -k {pg_root} -c listen_addresses=127.0.0.1 -c max_connections=300",
            "start",
        )
        self._ensure_database()

    def _ensure_database(self) -> None:
        import psycopg2

        def connect():
            return psycopg2.connect(
                host="127.0.0.1", port=self.ports["postgres"], user="airflow", password="airflow", dbname="postgres"
            )

        connection = wait_for(connect, 30, "PostgreSQL to accept connections")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'airflow'")
            if not cursor.fetchone():
                cursor.execute("CREATE DATABASE airflow")
        connection.close()

    def stop_postgres(self) -> None:
        if self._pg_data.exists():
            self._as_postgres(self._postgres_bin("pg_ctl"), "-D", str(self._pg_data), "-m", "fast", "-w", "stop")

    def restart_postgres(self) -> None:
        self.stop_postgres()
        self.start_postgres()

    def start_redis(self) -> None:
        redis_dir = self.root / "redis"
        redis_dir.mkdir(exist_ok=True)
        server = shutil.which("redis-server")
        if server is None:
            raise FileNotFoundError("redis-server not found: install Debian's redis-server package")
        # Redis' default save points, so a restart keeps queued Celery messages, as the redis image does.
        self._redis = subprocess.Popen(
            [
                server,
                "--port",
                str(self.ports["redis"]),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(redis_dir),
                "--save",
                "3600 1 300 100 60 10000",
                "--daemonize",
                "no",
                "--logfile",
                str(redis_dir / "redis.log"),
            ],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: self._redis_command("PING") == "+PONG", 20, "Redis to answer PING")

    def _redis_command(self, *words: str) -> str:
        with socket.create_connection(("127.0.0.1", self.ports["redis"]), timeout=2) as conn:
            request = f"*{len(words)}\r\n" + "".join(f"${len(word)}\r\n{word}\r\n" for word in words)
            conn.sendall(request.encode())
            return conn.recv(1024).decode().strip()

    def stop_redis(self) -> None:
        if self._redis and self._redis.poll() is None:
            # SHUTDOWN SAVE writes the RDB first, as a graceful `docker restart redis` does.
            with contextlib.suppress(OSError):
                self._redis_command("SHUTDOWN", "SAVE")
            try:
                self._redis.wait(10)
            except subprocess.TimeoutExpired:
                kill_session(self._redis.pid)
                self._redis.wait()

    def restart_redis(self) -> None:
        self.stop_redis()
        self.start_redis()

    # ---- AWS (moto) and git --------------------------------------------------------------------------------

    def start_moto(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per AWS call otherwise
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.ports["moto"], verbose=False)
        self._moto.start()
        self.aws("s3").create_bucket(Bucket=LOG_BUCKET)

    def aws(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{self.ports['moto']}",
            region_name=AWS_REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def put_secret_connection(self, conn_id: str, connection: Mapping[str, Any]) -> None:
        """A connection stored only in Secrets Manager, where the amazon provider's backend looks."""
        self.aws("secretsmanager").create_secret(
            Name=f"airflow/connections/{conn_id}", SecretString=json.dumps(connection)
        )

    def put_secret_variable(self, key: str, value: str) -> None:
        self.aws("secretsmanager").create_secret(Name=f"airflow/variables/{key}", SecretString=value)

    def init_git_repo(self) -> None:
        """A bare repo with an empty `dags/` on `main`, which GitDagBundle tracks."""
        subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(self.git_repo)], check=True)
        self.git_push({"dags/.keep": ""}, "Start the DAG repository")

    def git_push(self, files: Mapping[str, str], message: str) -> str:
        """Commit `files` (path -> content) on top of main and push; return the new commit SHA."""
        with tempfile.TemporaryDirectory(dir=self.root) as clone:
            git = ["git", "-C", clone, "-c", "user.name=stack", "-c", "user.email=stack@localhost"]
            subprocess.run(["git", "clone", "--quiet", str(self.git_repo), clone], check=True, capture_output=True)
            subprocess.run([*git, "checkout", "--quiet", "-B", "main"], check=True)
            for path, content in files.items():
                target = Path(clone) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content)
            subprocess.run([*git, "add", "--all"], check=True)
            subprocess.run([*git, "commit", "--quiet", "-m", message], check=True)
            subprocess.run([*git, "push", "--quiet", "origin", "main"], check=True, capture_output=True)
            return subprocess.run(
                [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
            ).stdout.strip()

    # ---- Airflow -------------------------------------------------------------------------------------------

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [AIRFLOW_CLI, *args], env=self.env, check=True, capture_output=True, text=True, timeout=timeout
        )

    def _write_passwords_file(self) -> None:
        # What airflow-init does in compose: SimpleAuthManager's login for the admin user.
        passwords_file = Path(self.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
        passwords_file.parent.mkdir(parents=True, exist_ok=True)
        passwords_file.write_text(json.dumps({ADMIN_USER: ADMIN_PASSWORD}))

    def start_component(self, name: str) -> Component:
        with self._lock:
            log = self.root / "logs" / f"{name}.log"
            log.parent.mkdir(exist_ok=True)
            previous = self.components.get(name)
            with log.open("a") as sink:
                process = subprocess.Popen(
                    [AIRFLOW_CLI, *COMPONENTS[name]],
                    env=self.env,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    cwd=self.root,
                )
            starts = previous.starts + 1 if previous else 1
            self.components[name] = Component(name, process, log, starts=starts)
            return self.components[name]

    def kill_component(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill every process in the component's session (a running task is in its own process group)."""
        with self._lock:
            component = self.components.pop(name)
            kill_session(component.process.pid, sig)
            if sig != signal.SIGKILL:
                try:
                    component.process.wait(20)
                except subprocess.TimeoutExpired:
                    pass
            kill_session(component.process.pid, signal.SIGKILL)
            component.process.wait()
            wait_for(lambda: not session_pids(component.process.pid), 10, f"{name}'s processes to exit")
            self.components[name] = component  # kept for its start count; restart_component replaces it

    def restart_component(self, name: str, sig: int = signal.SIGKILL) -> None:
        with self._lock:
            self.kill_component(name, sig)
            self.start_component(name)

    def _watch(self) -> None:
        """compose's `restart: always`: a component that exits on its own is started again."""
        while not self._stopping:
            with self._lock:
                for name, component in list(self.components.items()):
                    if component.process.poll() is not None and not self._stopping:
                        with component.log.open("a") as sink:
                            sink.write(
                                f"\n[stack] {name} exited with {component.process.returncode}; "
                                "restarting it (restart: always)\n"
                            )
                        self.start_component(name)
            time.sleep(1)

    def worker_ready(self) -> bool:
        worker = self.components["worker"]
        # Celery prints `celery@host ready.` once per start; the log is appended across restarts.
        if not worker.log.exists():
            return False
        return worker.log.read_text(errors="replace").count(" ready.") >= worker.starts

    def api_healthy(self) -> dict[str, Any] | None:
        health = requests.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).json()
        wanted = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return health if all(health.get(part, {}).get("status") == "healthy" for part in wanted) else None

    def wait_healthy(self, timeout: float = 180) -> None:
        wait_for(self.api_healthy, timeout, "health of metadatabase, scheduler, triggerer, dag_processor")
        wait_for(self.worker_ready, timeout, "the Celery worker's `ready.` line")

    def start(self) -> NativeStack:
        try:
            self.start_moto()
            self.start_postgres()
            self.start_redis()
            if self.git_bundle:
                self.init_git_repo()
            self._write_passwords_file()
            self.airflow("db", "migrate")
            for name in COMPONENTS:
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
        self._stopping = True
        if self._watcher:
            self._watcher.join(5)
        steps: list[Callable[[], None]] = [
            *(partial(self.kill_component, name, signal.SIGTERM) for name in reversed(self.components)),
            self.stop_redis,
            self._stop_postgres_if_running,
            self._stop_moto,
        ]
        failures = []
        for step in steps:
            try:
                step()
            except Exception as err:  # keep stopping the rest; report below
                failures.append(err)
        if failures:
            raise failures[0]

    def _stop_postgres_if_running(self) -> None:
        with contextlib.suppress(RuntimeError):  # not running: nothing to stop
            self.stop_postgres()
        if hasattr(self, "_pg_root"):
            shutil.rmtree(self._pg_root, ignore_errors=True)

    def _stop_moto(self) -> None:
        if self._moto:
            self._moto.stop()

    def print_logs(self, lines: int = 40) -> None:
        for log in sorted((self.root / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            print(f"----- {log.name} (last {len(tail)} lines) -----", *tail, sep="\n", file=sys.stderr)

    def client(self) -> AirflowClient:
        return AirflowClient(self.api_url)


class AirflowClient:
    """The REST API, as a user reaches it: token from /auth/token, then /api/v2."""

    def __init__(self, base_url: str, username: str = ADMIN_USER, password: str = ADMIN_PASSWORD):
        self.base_url = base_url
        self.session = requests.Session()
        token = wait_for(
            lambda: requests.post(
                f"{base_url}/auth/token", timeout=10, json={"username": username, "password": password}
            ).json()["access_token"],
            60,
            "a token from /auth/token",
        )
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> Any:
        response = self.session.get(f"{self.base_url}/api/v2{path}", params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def dag_exists(self, dag_id: str) -> bool:
        return self.session.get(f"{self.base_url}/api/v2/dags/{dag_id}", timeout=10).status_code == 200

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None, parse_timeout: float = 120) -> str:
        wait_for(lambda: self.dag_exists(dag_id), parse_timeout, f"DAG {dag_id} to be parsed")
        response = self.session.post(
            f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns",
            timeout=30,
            json={"logical_date": None, "conf": dict(conf or {})},
        )
        response.raise_for_status()
        return response.json()["dag_run_id"]

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}")

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.run(dag_id, run_id)["state"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 300, interval: float = 0.25) -> str:
        """Poll until the run ends. Each poll costs the API server a load of every task instance of the run
        (the response lists its DAG versions), so a bench measuring a big run polls less often."""

        def finished() -> str | None:
            state = self.run_state(dag_id, run_id)
            return state if state in ("success", "failed") else None

        return wait_for(finished, timeout, f"run {run_id} of {dag_id} to finish", interval=interval)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of the run, page by page: the API caps a page at `[api] maximum_page_limit`."""
        instances: list[dict[str, Any]] = []
        while True:
            page = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", offset=len(instances))
            instances += page["task_instances"]
            if not page["task_instances"] or len(instances) >= page["total_entries"]:
                return instances

    def tries(self, dag_id: str, run_id: str, task_id: str) -> list[dict[str, Any]]:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/tries")["task_instances"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        """The log as the UI shows it: one line per structured event, wherever the API server found it."""
        content = self.get(
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}", full_content="true"
        )["content"]
        return "\n".join(entry["event"] if isinstance(entry, dict) else str(entry) for entry in content)

    def wait_task_state(
        self, dag_id: str, run_id: str, task_id: str, states: tuple[str, ...], timeout: float = 120
    ) -> str:
        def reached() -> str | None:
            state = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")["state"]
            return state if state in states else None

        return wait_for(reached, timeout, f"{dag_id}.{task_id} to be {' or '.join(states)}", interval=0.25)

    def dag_versions(self, dag_id: str) -> list[dict[str, Any]]:
        return self.get(f"/dags/{dag_id}/dagVersions", order_by="version_number")["dag_versions"]

    def import_errors(self) -> list[dict[str, Any]]:
        return self.get("/importErrors", limit=100)["import_errors"]

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}")["value"]


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
        help="where PostgreSQL, Redis, logs and the git repo live (wiped first)",
    )
    parser.add_argument("--dags", type=Path, default=compose.REPO_ROOT / "dags")
    parser.add_argument("--plugins", type=Path, default=compose.REPO_ROOT / "plugins")
    args = parser.parse_args(argv)
    shutil.rmtree(args.root, ignore_errors=True)
    stop_on_sigterm()
    root, dags, plugins = args.root.resolve(), args.dags.resolve(), args.plugins.resolve()
    for folder in (dags, plugins):  # as `make up` creates the mounted folders
        folder.mkdir(parents=True, exist_ok=True)
    with running_stack(root, dags, plugins_folder=plugins) as stack:
        print(
            f"Airflow is up: {stack.api_url}  login {ADMIN_USER} / {ADMIN_PASSWORD}\n"
            f"DAGs from {args.dags} and from git: push to {stack.git_repo} (branch main, folder dags/)\n"
            f"Component logs in {args.root / 'logs'}. Ctrl-C stops everything.",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
