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
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from cryptography.fernet import Fernet

from airflow_settings import load_settings
from airflow_settings.render import as_env, to_airflow_string
from local_airflow.processes import ExitedEarly, port_is_free, stop_on_signals, stop_session, wait_healthy

REPO = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = REPO / ".state" / "dev"
LOCAL_CONNECTIONS = Path(__file__).with_name("connections.yaml")
ADMIN_USER = "admin"
READY_TIMEOUT_S = 240
STOP_GRACE_S = 20
# What stops `make dev`: Ctrl-C, a kill or CI cancel, a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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


def admin_password(state_dir: Path) -> str:
    generated = state_dir / "simple_auth_manager_passwords.json.generated"
    return json.loads(generated.read_text())[ADMIN_USER]


def wait_until_ready(process: subprocess.Popen, base_url: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    try:
        wait_healthy(base_url, timeout_s, interval=0.5, process=process)
    except ExitedEarly as exited:
        raise DevError(f"airflow standalone {exited}; its output is above.") from None
    except TimeoutError as slow:
        raise DevError(f"Airflow was not healthy in time: {slow}") from None


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
        stop_on_signals(*STOP_SIGNALS)
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
            return 1  # standalone ended on its own: a stop request raises KeyboardInterrupt instead
        except KeyboardInterrupt:
            return 0
        finally:
            # Shutdown takes at most about twice STOP_GRACE_S; no Ctrl-C may abandon it half-way.
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            print("Stopping Airflow…", flush=True)
            # standalone stops its components on SIGINT, as on a terminal's Ctrl-C.
            stop_session(process, signal.SIGINT, STOP_GRACE_S, leader_only=True)


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
