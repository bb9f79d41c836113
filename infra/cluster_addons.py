"""What the cluster must run before the Airflow chart: the add-ons whose CRDs, webhooks or controllers the
chart's objects need. The chart's release waits for this component, so an add-on added here is waited for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from airflow_settings.versions import pin
from infra import load_balancer_controller as controller
from infra.helm_values import KEDA_NAMESPACE
from infra.load_balancer_controller import ControllerSettings

KEDA_CHART_REPO = "https://kedacore.github.io/charts"
KEDA_CHART_VERSION = pin("keda-chart").version
"""KEDA scales Celery workers on queued tasks (chart `workers.celery.keda`); the chart's ScaledObject needs its
CRDs. The version, and why, is the pin's (pyproject.toml)."""


@dataclass(frozen=True)
class ClusterAddonsArgs:
    provider: k8s.Provider
    """The cluster's Kubernetes provider (ClusterAccess)."""
    waits_for: Sequence[pulumi.Resource]
    """What the add-ons are installed after: the AirflowNamespace, which exists only once the chart's image is
    found, so a stage that is refused leaves nothing on the cluster."""
    load_balancer_controller: ControllerSettings | None = None
    """The AWS Load Balancer Controller's settings when the stack has an ingress (its IRSA role comes from the
    platform stage), which turns the api-server's Ingress into an ALB; None installs no controller. Defaults to
    none. https://kubernetes-sigs.github.io/aws-load-balancer-controller/"""


class ClusterAddons(pulumi.ComponentResource):
    """KEDA via kubernetes.helm.v3.Release (atomic) in its own namespace and, with an ingress, the AWS Load
    Balancer Controller via another (atomic, so its webhook serves before the chart's Ingress is created) in
    kube-system. Their pods run on the platform's node groups, which the workloads stage can only see once they
    exist (the platform exports its workloads output after them)."""

    statuses: pulumi.Output[dict[str, Any]]

    def __init__(self, name: str, args: ClusterAddonsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:cluster_addons:ClusterAddons", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.waits_for))
        releases = {
            "keda": k8s.helm.v3.Release(
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
        }
        if args.load_balancer_controller is not None:
            releases[controller.RELEASE_NAME] = k8s.helm.v3.Release(
                f"{name}-{controller.RELEASE_NAME}",
                name=controller.RELEASE_NAME,
                chart=controller.CHART,
                version=controller.CHART_VERSION,
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=controller.CHART_REPO),
                namespace=controller.NAMESPACE,
                values=controller.controller_values(args.load_balancer_controller),
                atomic=True,
                opts=on_cluster,
            )
        self.statuses = pulumi.Output.from_input({key: release.status for key, release in releases.items()})
        self.register_outputs({"statuses": self.statuses})
