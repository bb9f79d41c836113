"""`make dev`: Airflow 3 on a bare machine with this repo's dags/ and plugins/.

Wraps `airflow standalone` (SQLite metadata DB, LocalExecutor, api-server, scheduler, dag-processor and
triggerer) with what it lacks: settings from the one settings source, a fixed local state folder,
credentials generated once, a lock so a second `make dev` fails clearly, a readiness banner with the
URL and login, and a shutdown that leaves no process behind on Ctrl-C or SIGTERM.

SQLite serialises every write, so this mode is for small DAGs only; run `make stack` (PostgreSQL and
Celery) for real loads.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import yaml
from cryptography.fernet import Fernet

from airflow_settings import load_settings
from airflow_settings.render import as_env, to_airflow_string

REPO = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = REPO / ".state" / "dev"
LOCAL_CONNECTIONS = Path(__file__).with_name("connections.yaml")
ADMIN_USER = "admin"
READY_TIMEOUT_S = 240
STOP_GRACE_S = 20


class DevError(RuntimeError):
    """A condition `make dev` cannot start under; the message says how to get past it."""


def local_secrets(state_dir: Path) -> dict[str, str]:
    """JWT secret and Fernet key, generated on first start and kept (mode 0600) for the next ones.

    Kept rather than regenerated because the Fernet key encrypts connections stored in the metadata DB.
    """
    path = state_dir / "local-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {"jwt_secret": secrets.token_urlsafe(32), "fernet_key": Fernet.generate_key().decode()}
    path.touch(mode=0o600)
    path.write_text(json.dumps(values))
    return values


def connection_env(path: Path = LOCAL_CONNECTIONS) -> dict[str, str]:
    """AIRFLOW_CONN_* / AIRFLOW_VAR_* variables from the local-development connections file."""
    data = yaml.safe_load(path.read_text()) or {}
    env = {
        f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(fields)
        for conn_id, fields in (data.get("connections") or {}).items()
    }
    env.update(
        {f"AIRFLOW_VAR_{key.upper()}": to_airflow_string(value) for key, value in (data.get("variables") or {}).items()}
    )
    return env


def airflow_environment(state_dir: Path, port: int) -> dict[str, str]:
    """Environment of every component: the `dev` target's settings plus this machine's wiring."""
    local = local_secrets(state_dir)
    env = dict(os.environ)
    env.update(as_env(load_settings().for_target("dev")))
    env.update(connection_env())
    env.update(
        {
            "AIRFLOW_HOME": str(state_dir),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__FERNET_KEY": local["fernet_key"],
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__API_AUTH__JWT_SECRET": local["jwt_secret"],
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            # standalone starts components as `airflow …`: make sure that is this environment's airflow.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


@contextmanager
def single_instance(state_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the state folder, so two `make dev` never share one SQLite file."""
    lock_path = state_dir / "dev.lock"
    with lock_path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise DevError(
                f"another `make dev` (pid {lock.read().strip() or '?'}) is using {state_dir}. "
                "Stop it with Ctrl-C, or give this one its own STATE_DIR= and PORT=."
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        yield


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def health(base_url: str) -> dict | None:
    try:
        response = requests.get(f"{base_url}/api/v2/monitor/health", timeout=2)
    except requests.RequestException:
        return None
    return response.json() if response.ok else None


def all_healthy(report: dict | None) -> bool:
    components = ("metadatabase", "scheduler", "triggerer", "dag_processor")
    return bool(report) and all((report.get(name) or {}).get("status") == "healthy" for name in components)


def session_members(session_id: int) -> list[int]:
    """Every live process in a session: a running task sits in its own process group, not standalone's."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid, pgrp, session, ...
        if int(fields[3]) == session_id and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def stop_session(process: subprocess.Popen, grace_s: float = STOP_GRACE_S) -> None:
    """Ask standalone to stop its components, then make sure nothing of its session survives."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
    deadline = time.monotonic() + grace_s
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in session_members(process.pid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        while session_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        deadline = time.monotonic() + 5
    if process.poll() is None:
        process.wait()


def admin_password(state_dir: Path) -> str:
    generated = state_dir / "simple_auth_manager_passwords.json.generated"
    return json.loads(generated.read_text())[ADMIN_USER]


def wait_until_ready(process: subprocess.Popen, base_url: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DevError(
                f"airflow standalone exited with code {process.returncode} before it was ready; its output is above."
            )
        if all_healthy(health(base_url)):
            return
        time.sleep(0.5)
    raise DevError(f"Airflow was not healthy after {timeout_s} s; last health report: {health(base_url)}")


def run(state_dir: Path, port: int) -> int:
    state_dir.mkdir(parents=True, exist_ok=True)
    with single_instance(state_dir):
        if not port_is_free(port):
            raise DevError(f"port {port} on 127.0.0.1 is already in use. Free it, or run `make dev PORT=8081`.")
        base_url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [Path(sys.executable).with_name("airflow"), "standalone"],
            env=airflow_environment(state_dir, port),
            start_new_session=True,
        )
        stopping = False

        def request_stop(signum: int, _frame: object) -> None:
            nonlocal stopping
            stopping = True
            raise KeyboardInterrupt

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, request_stop)
        try:
            wait_until_ready(process, base_url)
            print(
                f"\nmake dev: Airflow is ready at {base_url}\n"
                f"  login: {ADMIN_USER} / {admin_password(state_dir)}  (local only; kept in {state_dir})\n"
                f"  DAGs: {REPO / 'dags'}\n"
                "  Ctrl-C stops every component.\n",
                flush=True,
            )
            process.wait()
            return 0 if stopping else 1
        except KeyboardInterrupt:
            return 0
        finally:
            # Shutdown is bounded by STOP_GRACE_S; a second Ctrl-C must not abandon it half-way.
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
            print("Stopping Airflow…", flush=True)
            stop_session(process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", 8080)),
        help="API server / UI port on 127.0.0.1 (default 8080, or $PORT)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("STATE_DIR", DEFAULT_STATE_DIR)),
        help="metadata DB, logs and generated credentials (default .state/dev)",
    )
    args = parser.parse_args(argv)
    try:
        return run(args.state_dir.resolve(), args.port)
    except DevError as err:
        print(f"make dev: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
