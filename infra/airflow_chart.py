"""The official Apache Airflow Helm chart on the EKS cluster, with the Secrets it reads and KEDA."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.config_sections import ChartConfig
from infra.helm_values import KEDA_NAMESPACE, RELEASE_NAME, SECRET_NAMES
from infra.pgbouncer import (
    metadata_connection,
    pgbouncer_ini,
    pgbouncer_stats_connection,
    pgbouncer_users,
    result_backend_connection,
)

AIRFLOW_CHART_REPO = "https://airflow.apache.org"
KEDA_CHART_REPO = "https://kedacore.github.io/charts"
KEDA_CHART_VERSION = "2.17.0"
"""KEDA scales Celery workers on queued tasks (chart `workers.celery.keda`); the chart needs its CRDs."""


@dataclass(frozen=True)
class AirflowChartArgs:
    kubeconfig: pulumi.Input[str]
    """Cluster credentials (secret) for the Kubernetes provider."""
    chart: ChartConfig
    """The stack's chart section: the apache-airflow chart version, the namespace of the release
    and its Secrets (created here) and how long the release may take, migrations included.
    https://airflow.apache.org/docs/helm-chart/stable/"""
    values: pulumi.Input[dict[str, Any]]
    """Final chart values, from helm_values.chart_values."""
    db_host: pulumi.Input[str]
    """RDS endpoint address pgbouncer connects to."""
    db_port: int
    """RDS port, 5432."""
    db_name: str
    """Database name on the RDS instance."""
    db_user: str
    """Database user Airflow and pgbouncer log in as."""
    db_password: pulumi.Input[str]
    """Its password (secret); lands only in Kubernetes Secrets."""
    broker_url: pulumi.Input[str]
    """Celery broker URL with the AUTH token (secret)."""
    airflow_secrets: dict[str, pulumi.Input[str]]
    """fernet-key, jwt-secret, api-secret-key and admin-password values (secret)."""


class AirflowChart(pulumi.ComponentResource):
    """A kubernetes.Provider for the cluster, the release namespace (Pod Security "restricted" enforced),
    the kubernetes.core.v1.Secret objects the chart reads (metadata connection, result backend, broker URL,
    Fernet key, JWT secret, API secret key, admin password, pgbouncer config and stats), KEDA via
    kubernetes.helm.v3.Release, and the Airflow chart via kubernetes.helm.v3.Release (atomic: ready once the
    Airflow workloads are, which wait for the migration job)."""

    release_status: pulumi.Output[Any]

    def __init__(self, name: str, args: AirflowChartArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:airflow_chart:AirflowChart", name, None, opts)
        provider = k8s.Provider(f"{name}-k8s", kubeconfig=args.kubeconfig, opts=pulumi.ResourceOptions(parent=self))
        on_cluster = pulumi.ResourceOptions(parent=self, provider=provider)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.chart.namespace,
                labels={
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            ),
            opts=on_cluster,
        )
        in_namespace = pulumi.ResourceOptions(parent=namespace, provider=provider)

        password = pulumi.Output.secret(args.db_password)
        contents: dict[str, dict[str, pulumi.Input[str]]] = {
            "metadata": {
                "connection": password.apply(
                    lambda secret: metadata_connection(args.db_user, secret, args.chart.namespace)
                )
            },
            "result-backend": {
                "connection": password.apply(
                    lambda secret: result_backend_connection(args.db_user, secret, args.chart.namespace)
                )
            },
            "broker": {"connection": args.broker_url},
            "fernet-key": {"fernet-key": args.airflow_secrets["fernet-key"]},
            "jwt-secret": {"jwt-secret": args.airflow_secrets["jwt-secret"]},
            "api-secret-key": {"api-secret-key": args.airflow_secrets["api-secret-key"]},
            "admin-password": {"password": args.airflow_secrets["admin-password"]},
            "pgbouncer-config": {
                "pgbouncer.ini": pulumi.Output.all(args.db_host, args.values).apply(
                    lambda parts: pgbouncer_ini(parts[0], args.db_port, args.db_name, args.db_user, parts[1])
                ),
                "users.txt": password.apply(lambda secret: pgbouncer_users(args.db_user, secret)),
            },
            "pgbouncer-stats": {
                "connection": password.apply(lambda secret: pgbouncer_stats_connection(args.db_user, secret))
            },
        }
        secrets = [
            k8s.core.v1.Secret(
                f"{name}-{role}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=SECRET_NAMES[role], namespace=args.chart.namespace),
                type="Opaque",
                string_data={key: pulumi.Output.secret(value) for key, value in data.items()},
                # The Fernet key is rotated in place (scripts/rotate-fernet-key); Pulumi only seeds it.
                opts=pulumi.ResourceOptions.merge(
                    in_namespace,
                    pulumi.ResourceOptions(ignore_changes=["stringData"] if role == "fernet-key" else None),
                ),
            )
            for role, data in contents.items()
        ]
        keda = k8s.helm.v3.Release(
            f"{name}-keda",
            name="keda",
            chart="keda",
            version=KEDA_CHART_VERSION,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=KEDA_CHART_REPO),
            namespace=KEDA_NAMESPACE,
            create_namespace=True,
            atomic=True,
            opts=on_cluster,
        )
        release = k8s.helm.v3.Release(
            f"{name}-release",
            name=RELEASE_NAME,
            chart="airflow",
            version=args.chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=AIRFLOW_CHART_REPO),
            namespace=args.chart.namespace,
            values=args.values,
            # Atomic (so it waits): a failed upgrade rolls back by itself. Safe because the migration job is a
            # plain Job (useHelmHooks: false): the workloads' wait-for-migrations init containers hold them
            # unready until it has run, so waiting for them waits for it. Jobs themselves are not awaited
            # (no wait_for_jobs): Helm's job check fails with "not found" once a finished job's TTL (see
            # helm_values.JOB_TTL_SECONDS) removes it mid-wait (helm/helm#10576).
            atomic=True,
            cleanup_on_fail=True,
            timeout=args.chart.timeout_seconds,
            max_history=10,
            opts=pulumi.ResourceOptions(parent=namespace, provider=provider, depends_on=[*secrets, keda]),
        )
        self.release_status = release.status
        self.register_outputs({"release_status": self.release_status})
