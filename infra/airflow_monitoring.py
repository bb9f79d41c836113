"""The release's Prometheus operator objects: ServiceMonitors for its exporters and its alert rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class AirflowMonitoringArgs:
    provider: k8s.Provider
    """The cluster's Kubernetes provider (ClusterAccess)."""
    namespace: pulumi.Input[str]
    """The release's namespace as AirflowNamespace outputs it, so that every object is created after it."""
    objects: Sequence[Mapping[str, Any]]
    """The manifests (monitoring.monitoring_objects): monitoring.coreos.com/v1 ServiceMonitors and a PrometheusRule.
    Note: their CRDs come with the cluster's Prometheus operator, which must run before the workloads stage.
    https://prometheus-operator.dev/docs/api-reference/api/"""


class AirflowMonitoring(pulumi.ComponentResource):
    """One kubernetes.apiextensions.CustomResource per entry of args.objects, in the release's namespace."""

    names: list[str]

    def __init__(self, name: str, args: AirflowMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:airflow_monitoring:AirflowMonitoring", name, None, opts)
        for manifest in args.objects:
            metadata = manifest["metadata"]
            k8s.apiextensions.CustomResource(
                f"{name}-{manifest['kind'].lower()}-{metadata['name']}",
                api_version=manifest["apiVersion"],
                kind=manifest["kind"],
                metadata={**metadata, "namespace": args.namespace},
                spec=manifest["spec"],
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
            )
        self.names = [f"{manifest['kind']}/{manifest['metadata']['name']}" for manifest in args.objects]
        self.register_outputs({"names": self.names})
