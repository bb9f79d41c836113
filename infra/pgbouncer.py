"""How pgbouncer and Airflow reach the metadata DB through the release's pgbouncer: pure text builders.

The chart's pgbouncer reads its config from a Secret the stack writes (airflow_chart.py), and Airflow reaches
the database through pgbouncer's in-cluster service, never RDS directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.chart_facts import PGBOUNCER_PORT, RELEASE_NAME

PGBOUNCER_DATABASE = "airflow-metadata"
MAX_PREPARED_STATEMENTS = 100
"""Prepared statements pgbouncer keeps per server connection (pgbouncer's own default from 1.24 is 200)."""


def pgbouncer_ini(db_host: str, db_port: int, db_name: str, user: str, values: Mapping[str, Any]) -> str:
    """pgbouncer.ini for the config secret: clients connect in-cluster, pgbouncer reaches RDS over TLS.

    With `configSecretName` set the chart writes no pgbouncer.ini of its own, so the pool limits reviewers set in
    helm_values/ (`pgbouncer.metadataPoolSize`, `pgbouncer.maxClientConn`) are applied here, from the final
    `values`; unset, they keep the chart's defaults (10 and 100)."""
    pgbouncer = values.get("pgbouncer", {})
    # int(): values that crossed Pulumi's engine carry their numbers as floats (200.0), which pgbouncer refuses.
    pool_size, max_client_conn = int(pgbouncer.get("metadataPoolSize", 10)), int(pgbouncer.get("maxClientConn", 100))
    return "\n".join(
        [
            "[databases]",
            f"{PGBOUNCER_DATABASE} = host={db_host} port={db_port} dbname={db_name} pool_size={pool_size}",
            "",
            "[pgbouncer]",
            "pool_mode = transaction",
            "listen_addr = *",
            f"listen_port = {PGBOUNCER_PORT}",
            "auth_type = scram-sha-256",
            "auth_file = /etc/pgbouncer/users.txt",
            f"stats_users = {user}",
            "ignore_startup_parameters = extra_float_digits",
            # Airflow's SQLAlchemy 2.1 connects with psycopg 3, which prepares a statement run five times on a
            # connection; in transaction mode the next transaction may get another server connection, where it
            # does not exist ("prepared statement _pg3_1 does not exist", seen in the release test). pgbouncer
            # 1.21+ tracks them per client; the chart image's 1.23 defaults this to 0, off.
            f"max_prepared_statements = {MAX_PREPARED_STATEMENTS}",
            f"max_client_conn = {max_client_conn}",
            # RDS forces SSL (rds.force_ssl=1); verify-full would need the RDS CA bundle in pgbouncer's image.
            "server_tls_sslmode = require",
            "",
        ]
    )


def pgbouncer_users(user: str, password: str) -> str:
    return f'"{user}" "{password}"\n'


def metadata_connection(user: str, password: str, namespace: str) -> str:
    """The metadata DB URL Airflow uses: through the release's pgbouncer service."""
    host = f"{RELEASE_NAME}-pgbouncer.{namespace}"
    return f"postgresql://{user}:{password}@{host}:{PGBOUNCER_PORT}/{PGBOUNCER_DATABASE}?sslmode=disable"


def result_backend_connection(user: str, password: str, namespace: str) -> str:
    """Celery's result backend: the metadata DB through pgbouncer, in SQLAlchemy form (`db+` prefix)."""
    return f"db+{metadata_connection(user, password, namespace)}"


def pgbouncer_stats_connection(user: str, password: str) -> str:
    return f"postgresql://{user}:{password}@127.0.0.1:{PGBOUNCER_PORT}/pgbouncer?sslmode=disable"
