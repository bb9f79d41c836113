"""What the cluster must run before the Airflow chart: the add-ons whose CRDs, webhooks or controllers the
chart's objects need. The chart's release waits for this component, so an add-on added here is waited for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.helm_values import KEDA_NAMESPACE

KEDA_CHART_REPO = "https://kedacore.github.io/charts"
KEDA_CHART_VERSION = "2.20.2"
"""KEDA scales Celery workers on queued tasks (chart `workers.celery.keda`); the chart's ScaledObject needs its
CRDs. 2.20 is tested on Kubernetes 1.33 to 1.35 (https://keda.sh/docs/2.20/operate/cluster/), 2.17 only up to
1.32."""


@dataclass(frozen=True)
class ClusterAddonsArgs:
    provider: k8s.Provider
    """The cluster's Kubernetes provider (ClusterAccess)."""
    waits_for: Sequence[pulumi.Resource]
    """What the add-ons are installed after: the AirflowNamespace, which exists only once the chart's image is
    found, so a stage that is refused leaves nothing on the cluster."""


class ClusterAddons(pulumi.ComponentResource):
    """KEDA via kubernetes.helm.v3.Release (atomic) in its own namespace. Its pods run on the platform's node
    groups, which the workloads stage can only see once they exist (the platform exports its workloads
    output after them)."""

    keda_status: pulumi.Output[Any]

    def __init__(self, name: str, args: ClusterAddonsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:cluster_addons:ClusterAddons", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.waits_for))
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
        self.keda_status = keda.status
        self.register_outputs({"keda_status": self.keda_status})
