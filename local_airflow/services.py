"""The services the native stack's Airflow components use: PostgreSQL, Redis, AWS (moto) and a git repository.

Each is what a compose service (or AWS) gives the compose stack, run by hand on a loopback port:
- PostgreSQL refuses to run as root: initdb/pg_ctl run as the `postgres` user (runuser), data in a temp dir;
  with `tls`, it accepts TCP clients over SSL only, as RDS does under the platform's rds.force_ssl=1;
- Redis saves to disk as the redis image does, and SHUTDOWN SAVE on stop, so a restart loses no message;
  with `tls` and `password`, it speaks TLS only and wants AUTH, as the platform's ElastiCache does;
- AWS is moto's ThreadedMotoServer: the Secrets Manager backend and S3 remote logging talk to it as to AWS;
- the git repository is a bare one that GitDagBundle tracks, and tests push DAGs into.
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local_airflow.compose import DATABASE_NAME, DATABASE_PASSWORD, DATABASE_USER
from local_airflow.processes import signal_session, wait_for

AWS_REGION = "us-east-1"
# moto accepts any key; boto3 and Airflow's AWS hooks want one to be set.
AWS_DUMMY_KEY = "testing"


@dataclass(frozen=True)
class ServerTLS:
    """A server's certificate chain and key (PEM files), and the CA that signed it."""

    certificate: Path
    key: Path
    ca: Path


class PostgreSQL:
    """PostgreSQL on 127.0.0.1:`port`, with the compose postgres service's role, password and database."""

    def __init__(self, port: int, tls: ServerTLS | None = None):
        self.port = port
        self.tls = tls
        # Its own temp dir, owned by postgres: a stack root may sit under dirs postgres can't enter (0700).
        self._root: Path | None = None

    @property
    def _data(self) -> Path | None:
        return self._root / "data" if self._root else None

    def start(self) -> None:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="stack-postgres-"))
            pwfile = self._root / "pwfile"
            pwfile.write_text(f"{DATABASE_PASSWORD}\n")
            if os.geteuid() == 0:
                shutil.chown(self._root, "postgres", "postgres")
                shutil.chown(pwfile, "postgres", "postgres")
            self._as_postgres(
                _postgres_bin("initdb"),
                *("-D", str(self._data), "-U", DATABASE_USER, "--pwfile", str(pwfile)),
                *("--auth=scram-sha-256", "-E", "UTF8"),
            )
            if self.tls:
                self._require_ssl()
        options = f"-p {self.port} -k {self._root} -c listen_addresses=127.0.0.1 -c max_connections=300"
        if self.tls:
            certificate, key = self._root / "server.crt", self._root / "server.key"
            options += f" -c ssl=on -c ssl_cert_file={certificate} -c ssl_key_file={key}"
        self._as_postgres(
            _postgres_bin("pg_ctl"),
            *("-D", str(self._data), "-l", str(self._root / "postgres.log"), "-w"),
            "-o",
            options,
            "start",
        )
        self._ensure_database()

    def stop(self) -> None:
        """pg_ctl stop; RuntimeError when it is not running."""
        if self._data is not None:
            self._as_postgres(_postgres_bin("pg_ctl"), "-D", str(self._data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop it if it runs, and delete its data."""
        with contextlib.suppress(RuntimeError):  # not running: nothing to stop
            self.stop()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def _require_ssl(self) -> None:
        """Copies of the certificate and key that postgres owns (it refuses a key others can read), and an
        hba file that turns away TCP clients without SSL."""
        assert self.tls and self._root and self._data
        for source, name in ((self.tls.certificate, "server.crt"), (self.tls.key, "server.key")):
            target = self._root / name
            shutil.copyfile(source, target)
            target.chmod(0o600)
            if os.geteuid() == 0:
                shutil.chown(target, "postgres", "postgres")
        (self._data / "pg_hba.conf").write_text(
            "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all all reject\n"
        )

    def _ensure_database(self) -> None:
        import psycopg2

        def connect():
            return psycopg2.connect(
                host="127.0.0.1",
                port=self.port,
                user=DATABASE_USER,
                password=DATABASE_PASSWORD,
                dbname="postgres",
                sslmode="require" if self.tls else "prefer",
            )

        connection = wait_for(connect, 30, "PostgreSQL to accept connections")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,))
            if not cursor.fetchone():
                cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        connection.close()

    @staticmethod
    def _as_postgres(*command: str) -> None:
        """Run a PostgreSQL tool as `postgres` when we are root (it refuses root), else as ourselves."""
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*as_postgres, *command], capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def _postgres_bin(tool: str) -> str:
    """The tool of the newest PostgreSQL Debian installed."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise FileNotFoundError(
            f"{tool} not found under /usr/lib/postgresql/*/bin: "
            "install Debian's postgresql package (apt-get install postgresql)"
        )
    return candidates[-1]


class Redis:
    """redis-server on 127.0.0.1:`port`, its RDB and log in `directory`."""

    def __init__(self, port: int, directory: Path, tls: ServerTLS | None = None, password: str | None = None):
        self.port = port
        self.directory = directory
        self.tls = tls
        self.password = password
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        server = shutil.which("redis-server")
        if server is None:
            raise FileNotFoundError("redis-server not found: install Debian's redis-server package")
        if self.tls:
            # TLS only (no plain port), and no client certificates, as ElastiCache's in-transit encryption.
            listen = ["--port", "0", "--tls-port", str(self.port), "--tls-auth-clients", "no"]
            listen += ["--tls-cert-file", str(self.tls.certificate), "--tls-key-file", str(self.tls.key)]
            listen += ["--tls-ca-cert-file", str(self.tls.ca)]
        else:
            listen = ["--port", str(self.port)]
        # Passed on stdin's config rather than argv, so that `ps` never shows it.
        config = f"requirepass {self.password}\n" if self.password else ""
        # Redis' default save points, so a restart keeps queued Celery messages, as the redis image does.
        self._process = subprocess.Popen(
            [
                server,
                "-",
                *listen,
                *("--bind", "127.0.0.1", "--dir", str(self.directory)),
                *("--save", "3600 1 300 100 60 10000", "--daemonize", "no"),
                *("--logfile", str(self.directory / "redis.log")),
            ],
            stdin=subprocess.PIPE,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert self._process.stdin
        self._process.stdin.write(config.encode())
        self._process.stdin.close()
        wait_for(lambda: self.command("PING") == "+PONG", 20, "Redis to answer PING")

    def command(self, *words: str) -> str:
        """One command in the Redis protocol (after AUTH when it has a password); the first line of the reply."""
        with self._connect() as conn:
            if self.password:
                conn.sendall(_resp("AUTH", self.password))
                if not conn.recv(1024).startswith(b"+OK"):
                    raise RuntimeError("Redis refused the AUTH password")
            conn.sendall(_resp(*words))
            return conn.recv(1024).decode().strip()

    def _connect(self) -> socket.socket:
        conn = socket.create_connection(("127.0.0.1", self.port), timeout=2)
        if not self.tls:
            return conn
        context = ssl.create_default_context(cafile=str(self.tls.ca))
        context.check_hostname = False  # the certificate names the AWS endpoint, and this is 127.0.0.1
        return context.wrap_socket(conn)

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            # SHUTDOWN SAVE writes the RDB first, as a graceful `docker restart redis` does.
            with contextlib.suppress(OSError):
                self.command("SHUTDOWN", "SAVE")
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                signal_session(self._process.pid, signal.SIGKILL)
                self._process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


def _resp(*words: str) -> bytes:
    return (f"*{len(words)}\r\n" + "".join(f"${len(word)}\r\n{word}\r\n" for word in words)).encode()


class MotoAWS:
    """AWS as moto's ThreadedMotoServer on 127.0.0.1:`port`."""

    def __init__(self, port: int):
        self.port = port
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self._server: ThreadedMotoServer | None = None

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per AWS call otherwise
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server:
            self._server.stop()

    def environment(self) -> dict[str, str]:
        """What points boto3 (which honours AWS_ENDPOINT_URL) in a component at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": AWS_DUMMY_KEY,
            "AWS_SECRET_ACCESS_KEY": AWS_DUMMY_KEY,
            "AWS_DEFAULT_REGION": AWS_REGION,
        }

    def client(self, service: str, region: str = AWS_REGION) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=region,
            aws_access_key_id=AWS_DUMMY_KEY,
            aws_secret_access_key=AWS_DUMMY_KEY,
        )

    def put_secret_connection(self, conn_id: str, connection: Mapping[str, Any]) -> None:
        """A connection stored only in Secrets Manager, where the amazon provider's backend looks."""
        self.client("secretsmanager").create_secret(
            Name=f"airflow/connections/{conn_id}", SecretString=json.dumps(connection)
        )

    def put_secret_variable(self, key: str, value: str) -> None:
        self.client("secretsmanager").create_secret(Name=f"airflow/variables/{key}", SecretString=value)


class GitRepo:
    """A bare git repository at `path` with a `dags/` folder on `main`, which GitDagBundle tracks."""

    def __init__(self, path: Path):
        self.path = path

    def init(self) -> None:
        subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(self.path)], check=True)
        self.push({"dags/.keep": ""}, "Start the DAG repository")

    def push(self, files: Mapping[str, str], message: str) -> str:
        """Commit `files` (path -> content) on top of main and push; return the new commit SHA."""
        with tempfile.TemporaryDirectory(dir=self.path.parent) as clone:
            git = ["git", "-C", clone, "-c", "user.name=stack", "-c", "user.email=stack@localhost"]
            subprocess.run(["git", "clone", "--quiet", str(self.path), clone], check=True, capture_output=True)
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
