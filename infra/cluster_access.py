"""How the workloads stage reaches what the platform stage created: its cluster and its region's AWS APIs."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class ClusterAccessArgs:
    kubeconfig: pulumi.Input[str]
    """The platform stack's kubeconfig output (secret). It runs `aws eks get-token`, so the AWS CLI must be on
    PATH, and the API endpoint must be reachable: eks.publicAccessCidrs or eks.deployerCidrs."""
    region: str
    """The platform's region, where the secrets and the image live."""


class ClusterAccess(pulumi.ComponentResource):
    """A kubernetes.Provider for the platform's EKS cluster and an aws.Provider in the platform's region (the
    workloads stage's own config names no region: the platform stack's is the only one)."""

    kubernetes: k8s.Provider
    aws: aws.Provider

    def __init__(self, name: str, args: ClusterAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:cluster_access:ClusterAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.kubernetes = k8s.Provider(f"{name}-k8s", kubeconfig=args.kubeconfig, opts=child)
        self.aws = aws.Provider(f"{name}-aws", region=args.region, opts=child)
        self.register_outputs({"kubernetes": self.kubernetes, "aws": self.aws})
