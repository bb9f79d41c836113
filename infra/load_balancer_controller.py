"""The AWS Load Balancer Controller, which turns the api-server's Ingress into an ALB: its IRSA role (the platform
stage) and the values of its chart (the workloads stage installs it, cluster_addons.py).
https://kubernetes-sigs.github.io/aws-load-balancer-controller/"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from airflow_settings.versions import pin
from infra.chart_images import LOAD_BALANCER_CONTROLLER_IMAGE, cached_repository
from infra.iam_documents import irsa_trust_policy

CHART = "aws-load-balancer-controller"
CHART_REPO = "https://aws.github.io/eks-charts"
CHART_VERSION = pin("aws-load-balancer-controller-chart").version
RELEASE_NAME = "aws-load-balancer-controller"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"
IAM_POLICY_FILE = Path(__file__).resolve().parent / "vendored" / "aws-load-balancer-controller-v3.5.0-iam-policy.json"
"""The controller's published policy for the chart pin's appVersion (provenance and sha256: vendored/README.md)."""


@dataclass(frozen=True)
class ControllerSettings:
    """What the controller's chart is given, all known once the platform stage has run."""

    cluster_name: str
    """The EKS cluster's name: the controller tags and finds its load balancers by it."""
    region: str
    """The region, set explicitly: with an IMDS hop limit of 1 the controller's pod can't read it from IMDS."""
    vpc_id: str
    """The VPC, set explicitly for the same reason."""
    role_arn: str
    """The IRSA role LoadBalancerControllerRole created."""
    registry: str
    """The stack's ECR registry, whose ecr-public pull-through cache serves the controller's image."""


def controller_values(settings: ControllerSettings) -> dict[str, Any]:
    """The chart's values: IRSA on its service account, region and VPC given, the image from the stack's ECR
    (its tag stays the chart's appVersion, immutable in the cache)."""
    return {
        "clusterName": settings.cluster_name,
        "region": settings.region,
        "vpcId": settings.vpc_id,
        "serviceAccount": {
            "create": True,
            "name": SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": settings.role_arn},
        },
        "image": {"repository": cached_repository(settings.registry, *LOAD_BALANCER_CONTROLLER_IMAGE)},
    }


@dataclass(frozen=True)
class LoadBalancerControllerRoleArgs:
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider, which the role trusts."""
    oidc_provider_url: pulumi.Input[str]
    """The cluster's OIDC issuer. https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html"""


class LoadBalancerControllerRole(pulumi.ComponentResource):
    """An aws.iam.Role trusted by the controller's service account (kube-system/aws-load-balancer-controller)
    through the cluster's OIDC provider, and an aws.iam.Policy holding the controller's published document,
    attached to it (aws.iam.RolePolicyAttachment): a managed policy, as the controller's install guide creates it,
    since the document is near the inline limit."""

    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: LoadBalancerControllerRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow-aws:load_balancer_controller:LoadBalancerControllerRole", name, None, opts)
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
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-policy-attachment",
            role=role.name,
            policy_arn=policy.arn,
            opts=pulumi.ResourceOptions(parent=role),
        )
        # The ARN only once the policy is attached: the workloads stage starts the controller with it.
        self.role_arn = pulumi.Output.all(role.arn, attachment.id).apply(lambda parts: parts[0])
        self.register_outputs({"role_arn": self.role_arn})
