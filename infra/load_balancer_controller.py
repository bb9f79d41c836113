"""The AWS Load Balancer Controller, which turns the api-server's Ingress into an ALB: its IRSA role and its chart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from airflow_settings.versions import pin
from infra.chart_images import LOAD_BALANCER_CONTROLLER_IMAGE, cached_repository
from infra.iam_documents import irsa_trust_policy

CHART_REPO = "https://aws.github.io/eks-charts"
CHART_VERSION = pin("aws-load-balancer-controller-chart").version
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"
IAM_POLICY_FILE = Path(__file__).resolve().parent / "vendored" / "aws-load-balancer-controller-v3.5.0-iam-policy.json"
"""The controller's published policy for the chart pin's appVersion (provenance and sha256: vendored/README.md)."""


@dataclass(frozen=True)
class LoadBalancerControllerArgs:
    cluster_name: pulumi.Input[str]
    """The EKS cluster's name: the controller tags and finds its load balancers by it."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider, which the role trusts."""
    oidc_provider_url: pulumi.Input[str]
    """The cluster's OIDC issuer. https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html"""
    region: str
    """The region, set explicitly: with an IMDS hop limit of 1 the controller's pod can't read it from IMDS."""
    vpc_id: pulumi.Input[str]
    """The VPC, set explicitly for the same reason."""
    registry: str
    """The stack's ECR registry, whose ecr-public pull-through cache serves the controller's image."""


def controller_values(cluster_name: str, region: str, vpc_id: str, role_arn: str, registry: str) -> dict[str, Any]:
    """The chart's values: IRSA on its service account, region and VPC given, the image from the stack's ECR."""
    return {
        "clusterName": cluster_name,
        "region": region,
        "vpcId": vpc_id,
        "serviceAccount": {
            "create": True,
            "name": SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "image": {"repository": cached_repository(registry, *LOAD_BALANCER_CONTROLLER_IMAGE)},
    }


class LoadBalancerController(pulumi.ComponentResource):
    """An aws.iam.Role trusted by the controller's service account through the cluster's OIDC provider, an
    aws.iam.Policy with the controller's published document attached to it, and the aws-load-balancer-controller
    chart as a kubernetes.helm.v3.Release in kube-system (atomic, so it is ready, webhook included, when created).
    Pass the cluster's kubernetes provider in opts (`providers` or `provider`)."""

    release: k8s.helm.v3.Release
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: LoadBalancerControllerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:load_balancer_controller:LoadBalancerController", name, None, opts)
        role = aws.iam.Role(
            f"{name}-role",
            description=f"IRSA role of {NAMESPACE}/{SERVICE_ACCOUNT}",
            assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_provider_url).apply(
                lambda oidc: json.dumps(irsa_trust_policy(oidc[0], oidc[1], NAMESPACE, SERVICE_ACCOUNT))
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        policy = aws.iam.Policy(
            f"{name}-policy",
            description=f"AWS Load Balancer Controller {CHART_VERSION} (its published iam_policy.json)",
            policy=IAM_POLICY_FILE.read_text(),
            opts=pulumi.ResourceOptions(parent=role),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-policy-attachment",
            role=role.name,
            policy_arn=policy.arn,
            opts=pulumi.ResourceOptions(parent=role),
        )
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            name=SERVICE_ACCOUNT,
            chart="aws-load-balancer-controller",
            version=CHART_VERSION,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPO),
            namespace=NAMESPACE,
            values=pulumi.Output.all(args.cluster_name, args.vpc_id, role.arn).apply(
                lambda parts: controller_values(parts[0], args.region, parts[1], parts[2], args.registry)
            ),
            atomic=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
