"""How pgbouncer and Airflow reach the metadata DB through the release's pgbouncer: pure text builders.

The chart's pgbouncer reads its config from a Secret the stack writes (airflow_chart.py), and Airflow reaches
the database through pgbouncer's in-cluster service, never RDS directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.chart_facts import PGBOUNCER_PORT, RELEASE_NAME

PGBOUNCER_DATABASE = "airflow-metadata"


def pgbouncer_ini(db_host: str, db_port: int, db_name: str, user: str, values: Mapping[str, Any]) -> str:
    """pgbouncer.ini for the config secret: clients connect in-cluster, pgbouncer reaches RDS over TLS.

    With `configSecretName` set the chart writes no pgbouncer.ini of its own, so the pool limits reviewers set in
    helm_values/ (`pgbouncer.metadataPoolSize`, `pgbouncer.maxClientConn`) are applied here, from the final
    `values`; unset, they keep the chart's defaults (10 and 100)."""
    pgbouncer = values.get("pgbouncer", {})
    pool_size, max_client_conn = pgbouncer.get("metadataPoolSize", 10), pgbouncer.get("maxClientConn", 100)
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
