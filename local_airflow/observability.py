"""Metrics beside the native stack, as the EKS release runs them: Airflow → statsd_exporter → Prometheus.

- statsd_exporter is the chart image's version (pyproject's statsd-exporter pin, built by `make statsd-exporter`)
  with the chart's arguments and mapping config (observability.statsd);
- pgbouncer (Debian's) sits between Airflow and PostgreSQL as the chart's does: transaction pooling, the
  metadata database under the name `airflow-metadata`; Debian's prometheus-pgbouncer-exporter reads it
  (through local_airflow/pgbouncer_exporter.py, which leaves out the one collector that can't read pgbouncer 1.18);
- Debian's prometheus-redis-exporter reads the broker, including the length of Celery's `default` queue;
- Debian's Prometheus scrapes all three and evaluates observability/prometheus/rules.yaml, the rules we ship.

Every process runs in a session of its own and logs under the stack root; `stop()` ends every session.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import requests
import yaml

from local_airflow.compose import DATABASE_NAME, DATABASE_PASSWORD, DATABASE_USER
from local_airflow.processes import free_port, stop_session, wait_for
from observability import statsd
from observability.rules import RULES_FILE

STOP_GRACE_S = 10
READY_TIMEOUT_S = 60
# The chart's pgbouncer serves the metadata DB under this name, with the chart's default pool limits
# (infra/pgbouncer.py writes the same for EKS).
PGBOUNCER_DATABASE = "airflow-metadata"
PGBOUNCER_POOL_SIZE = 10
PGBOUNCER_MAX_CLIENT_CONN = 100
# The Celery queue the workers consume (Airflow's [operators] default_queue).
CELERY_QUEUE = "default"
# Debian's pgbouncer exporter names its series after pgbouncer's columns; the chart's exporter (jbub's
# pgbouncer_exporter, internal/collector/metrics.go) prefixes `pgbouncer_exporter_pools_`. Prometheus renames the
# local ones at scrape, so that the rules and the dashboard query one set of names: the chart's.
PGBOUNCER_RENAMES = {
    "pgbouncer_active_clients": "pgbouncer_exporter_pools_active_clients",
    "pgbouncer_waiting_clients": "pgbouncer_exporter_pools_waiting_clients",
}


def debian_binary(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install Debian's {package} package (apt-get install {package})")
    return found


def pgbouncer_exporter_command() -> list[str]:
    """Debian's pgbouncer exporter, as local_airflow/pgbouncer_exporter.py runs it (with Debian's Python)."""
    debian_binary("prometheus-pgbouncer-exporter", "prometheus-pgbouncer-exporter")  # fail early, naming the package
    return ["/usr/bin/python3", str(Path(__file__).with_name("pgbouncer_exporter.py"))]


class Daemon:
    """One long-running process in a session of its own, its output in `log`, ready when `ready()` says so."""

    def __init__(self, name: str, command: list[str], log: Path, *, env: dict[str, str] | None = None):
        self.name, self.command, self.log, self.env = name, command, log, env
        self._process: subprocess.Popen | None = None

    def start(self, ready: Any) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as sink:
            self._process = subprocess.Popen(
                self.command,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd="/",
                env={**os.environ, **(self.env or {})},
            )
        wait_for(ready, READY_TIMEOUT_S, f"{self.name} to be ready", diagnostics=self.log.read_text)

    def stop(self) -> None:
        if self._process is not None:
            stop_session(self._process, signal.SIGTERM, STOP_GRACE_S)
            self._process = None


def answers(url: str) -> bool:
    return requests.get(url, timeout=2).ok


class PgBouncer:
    """Debian's pgbouncer on 127.0.0.1:`port` in front of PostgreSQL on `postgres_port`, run as `postgres`
    (pgbouncer refuses root), its config in a temp dir that user owns."""

    def __init__(self, port: int, postgres_port: int, log: Path):
        self.port, self.postgres_port, self.log = port, postgres_port, log
        self._root: Path | None = None
        self._daemon: Daemon | None = None

    def url(self, scheme: str) -> str:
        """The metadata DB through pgbouncer, for the driver `scheme` names (SQLAlchemy's, or Celery's `db+…`)."""
        return f"{scheme}://{DATABASE_USER}:{DATABASE_PASSWORD}@127.0.0.1:{self.port}/{PGBOUNCER_DATABASE}"

    def start(self) -> None:
        self._root = Path(tempfile.mkdtemp(prefix="stack-pgbouncer-"))
        (self._root / "users.txt").write_text(f'"{DATABASE_USER}" "{DATABASE_PASSWORD}"\n')
        config = self._root / "pgbouncer.ini"
        config.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"{PGBOUNCER_DATABASE} = host=127.0.0.1 port={self.postgres_port} dbname={DATABASE_NAME} "
                    f"pool_size={PGBOUNCER_POOL_SIZE}",
                    "[pgbouncer]",
                    "pool_mode = transaction",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    f"unix_socket_dir = {self._root}",
                    "auth_type = scram-sha-256",
                    f"auth_file = {self._root / 'users.txt'}",
                    f"stats_users = {DATABASE_USER}",
                    "ignore_startup_parameters = extra_float_digits",
                    f"max_client_conn = {PGBOUNCER_MAX_CLIENT_CONN}",
                    "",
                ]
            )
        )
        as_postgres: list[str] = []
        if os.geteuid() == 0:
            for path in (self._root, *self._root.iterdir()):
                shutil.chown(path, "postgres", "postgres")
            as_postgres = ["runuser", "-u", "postgres", "--"]
        command = [*as_postgres, debian_binary("pgbouncer", "pgbouncer"), str(config)]
        self._daemon = Daemon("pgbouncer", command, self.log)
        self._daemon.start(lambda: self._accepts_login())

    def _accepts_login(self) -> bool:
        import psycopg2

        psycopg2.connect(self.url("postgresql"), connect_timeout=2).close()
        return True

    def stop(self) -> None:
        if self._daemon is not None:
            self._daemon.stop()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None


class Prometheus:
    """Debian's Prometheus on 127.0.0.1:`port`, scraping `targets` (job -> host:port) and evaluating the rules."""

    def __init__(self, port: int, root: Path, targets: dict[str, str], interval: str):
        self.port, self.root, self.targets, self.interval = port, root, targets, interval
        self.url = f"http://127.0.0.1:{port}"
        self._daemon: Daemon | None = None

    def config(self) -> dict[str, Any]:
        scrape_configs = []
        for job, target in self.targets.items():
            scrape: dict[str, Any] = {"job_name": job, "static_configs": [{"targets": [target]}]}
            if job == "pgbouncer":
                scrape["metric_relabel_configs"] = [
                    {"source_labels": ["__name__"], "regex": local, "target_label": "__name__", "replacement": chart}
                    for local, chart in PGBOUNCER_RENAMES.items()
                ]
            scrape_configs.append(scrape)
        return {
            "global": {"scrape_interval": self.interval, "evaluation_interval": self.interval},
            "rule_files": [str(RULES_FILE)],
            "scrape_configs": scrape_configs,
        }

    def start(self) -> None:
        config = self.root / "prometheus.yml"
        config.write_text(yaml.safe_dump(self.config(), sort_keys=False))
        command = [
            debian_binary("prometheus", "prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={self.root / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
        ]
        self._daemon = Daemon("prometheus", command, self.root / "prometheus.log")
        self._daemon.start(lambda: answers(f"{self.url}/-/ready"))

    def stop(self) -> None:
        if self._daemon is not None:
            self._daemon.stop()

    def api(self, path: str, **params: str) -> Any:
        """`data` of one /api/v1 answer; raises with Prometheus' error text when it refuses."""
        body = requests.get(f"{self.url}/api/v1/{path}", params=params, timeout=10).json()
        if body["status"] != "success":
            raise RuntimeError(f"Prometheus /api/v1/{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector `expr` evaluates to now: `[{"metric": {labels}, "value": [t, "v"]}, ...]`."""
        return self.api("query", query=expr)["result"]

    def alerts(self) -> list[dict[str, Any]]:
        """Every pending or firing alert: `[{"labels": {...}, "state": "firing", ...}, ...]`."""
        return self.api("alerts")["alerts"]


class Observability:
    """The metrics services of one native stack under `root`, for its PostgreSQL and Redis ports.

    `interval` is Prometheus' scrape and rule evaluation interval: short for tests, so an alert's `for:` is the
    only wait that counts."""

    def __init__(self, root: Path, postgres_port: int, redis_port: int, interval: str = "1s"):
        self.root = root
        self.ports = {
            name: free_port() for name in ("statsd", "statsd_web", "pgbouncer", "pgbouncer_web", "redis_web", "prom")
        }
        self.redis_port = redis_port
        self.pgbouncer = PgBouncer(self.ports["pgbouncer"], postgres_port, root / "pgbouncer.log")
        self.prometheus = Prometheus(
            self.ports["prom"],
            root,
            {
                "airflow-statsd": f"127.0.0.1:{self.ports['statsd_web']}",
                "pgbouncer": f"127.0.0.1:{self.ports['pgbouncer_web']}",
                "redis": f"127.0.0.1:{self.ports['redis_web']}",
            },
            interval,
        )
        self._exporters: list[Daemon] = []

    def airflow_environment(self) -> dict[str, str]:
        """What points Airflow at this: statsd to the exporter, the metadata DB and Celery results via pgbouncer."""
        return {
            "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
            "AIRFLOW__METRICS__STATSD_PORT": str(self.ports["statsd"]),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.pgbouncer.url("postgresql+psycopg2"),
            "AIRFLOW__CELERY__RESULT_BACKEND": self.pgbouncer.url("db+postgresql"),
        }

    def start(self) -> None:
        """Start everything; PostgreSQL and Redis must be up (pgbouncer logs in at once)."""
        self.root.mkdir(parents=True, exist_ok=True)
        mappings = self.root / "statsd-mappings.yml"
        mappings.write_text(statsd.mapping_config())
        self.pgbouncer.start()
        web = {name: f"127.0.0.1:{self.ports[name]}" for name in ("statsd_web", "pgbouncer_web", "redis_web")}
        exporters = [
            Daemon(
                "statsd_exporter",
                [
                    str(statsd.exporter_binary()),
                    f"--statsd.listen-udp=127.0.0.1:{self.ports['statsd']}",
                    "--statsd.listen-tcp=",  # Airflow sends over UDP only
                    f"--web.listen-address={web['statsd_web']}",
                    *statsd.exporter_args(mappings),
                ],
                self.root / "statsd_exporter.log",
            ),
            Daemon(
                "pgbouncer exporter",
                [
                    *pgbouncer_exporter_command(),
                    *("--host", "127.0.0.1", "--port", str(self.ports["pgbouncer_web"])),
                    *("--pgbouncer-host", "127.0.0.1", "--pgbouncer-port", str(self.ports["pgbouncer"])),
                    *("--pgbouncer-user", DATABASE_USER),
                ],
                self.root / "pgbouncer_exporter.log",
                env={"PGPASSWORD": DATABASE_PASSWORD},  # libpq's; the exporter has no password option
            ),
            Daemon(
                "redis exporter",
                [
                    debian_binary("prometheus-redis-exporter", "prometheus-redis-exporter"),
                    f"-redis.addr=redis://127.0.0.1:{self.redis_port}",
                    f"-web.listen-address={web['redis_web']}",
                    f"-check-single-keys=db0={CELERY_QUEUE}",
                ],
                self.root / "redis_exporter.log",
            ),
        ]
        for exporter, address in zip(exporters, web.values(), strict=True):
            self._exporters.append(exporter)
            exporter.start(lambda address=address: answers(f"http://{address}/metrics"))
        self.prometheus.start()

    def stop(self) -> None:
        """Stop everything, each step even when an earlier one failed; re-raise the first failure."""
        failures = []
        for step in [self.prometheus.stop, *(e.stop for e in reversed(self._exporters)), self.pgbouncer.stop]:
            try:
                step()
            except Exception as err:  # keep stopping the rest; report below
                failures.append(err)
        self._exporters.clear()
        if failures:
            raise failures[0]

    def logs(self) -> list[Path]:
        return sorted(self.root.glob("*.log"))
