"""The official Apache Airflow Helm chart on the EKS cluster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.config_sections import ChartConfig
from infra.helm_values import RELEASE_NAME
from infra.job_names import POST_RENDERER

AIRFLOW_CHART_REPO = "https://airflow.apache.org"


@dataclass(frozen=True)
class AirflowChartArgs:
    provider: k8s.Provider
    """The cluster's Kubernetes provider (ClusterAccess)."""
    chart: ChartConfig
    """The stack's chart section: the apache-airflow chart version, the namespace of the release (created with
    its Secrets by AirflowNamespace) and how long the release may take, migrations included.
    https://airflow.apache.org/docs/helm-chart/stable/"""
    values: pulumi.Input[dict[str, Any]]
    """Final chart values, from helm_values.chart_values, with the image pinned to its digest."""
    waits_for: Sequence[pulumi.Resource]
    """What must exist before the release: its AirflowNamespace (the Secrets its pods read) and the
    ClusterAddons (the CRDs, webhooks and controllers its objects need)."""


class AirflowChart(pulumi.ComponentResource):
    """The Airflow chart via kubernetes.helm.v3.Release (atomic: ready once the Airflow workloads are, which wait
    for the migration job; its Jobs renamed by content through the job_names post-renderer), created after
    args.waits_for."""

    release_status: pulumi.Output[Any]

    def __init__(self, name: str, args: AirflowChartArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:airflow_chart:AirflowChart", name, None, opts)
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
            # (no wait_for_jobs): the workloads already wait for the migration, and the first admin alone is not
            # worth rolling a release back for.
            atomic=True,
            # Renames each Job by its manifest, so an upgrade that changes a Job replaces it instead of failing
            # on its immutable pod template (job_names.py).
            postrender=str(POST_RENDERER),
            cleanup_on_fail=True,
            timeout=args.chart.timeout_seconds,
            max_history=10,
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.waits_for)),
        )
        self.release_status = release.status
        self.register_outputs({"release_status": self.release_status})
