"""The platform's customer-managed KMS key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from infra.iam_documents import AUTOSCALING_SERVICE, platform_key_policy

AutoscalingRole = Literal["none", "existing", "create"]


@dataclass(frozen=True)
class PlatformKeyArgs:
    alias: str
    """Alias name without the `alias/` prefix, e.g. airflow-dev."""
    account_id: str
    """Account whose IAM policies may use the key."""
    region: str
    """Region of the CloudWatch Logs service principal."""
    allow_cloudwatch_logs: bool = False
    """Let CloudWatch Logs use the key (MWAA encrypts its log groups with it). Defaults to false."""
    autoscaling_role: AutoscalingRole = "none"
    """Whether the key admits EC2 Auto Scaling's service-linked role (AWSServiceRoleForAutoScaling), which
    launches EKS managed node groups whose root volumes the key encrypts: "none" (no node groups), "existing"
    (the account has the role) or "create" (it has none yet: a fresh account gets one only with its first Auto
    Scaling group, and KMS refuses a policy naming a principal that does not exist, "MalformedPolicyDocumentException:
    … invalid principals", so the role is created before the key). The role is account-wide: `pulumi destroy`
    leaves it in place. Defaults to "none".
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html"""
    deletion_window_days: int = 30
    """Waiting period before a scheduled deletion, 7 to 30 days. Defaults to 30.
    https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html"""


class PlatformKey(pulumi.ComponentResource):
    """One rotating KMS key (aws.kms.Key + aws.kms.Alias) encrypting buckets, secrets, the DB, the broker, the
    EKS secrets and the nodes' volumes. Its policy (iam_documents.platform_key_policy) delegates use to IAM, so
    each role gets only what its own policy grants; for EKS, it also admits the Auto Scaling service-linked role,
    created first (aws.iam.ServiceLinkedRole) when the account has none."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, args: PlatformKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:encryption:PlatformKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        principals: list[pulumi.Resource] = []
        if args.autoscaling_role == "create":
            principals.append(
                aws.iam.ServiceLinkedRole(
                    f"{name}-autoscaling-role",
                    aws_service_name=AUTOSCALING_SERVICE,
                    description="EC2 Auto Scaling (created for the EKS node groups' encrypted volumes)",
                    # Every Auto Scaling group of the account launches with it: never delete it with the stack.
                    opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
                )
            )
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Airflow platform key ({args.alias})",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=json.dumps(
                platform_key_policy(
                    account_id=args.account_id,
                    region=args.region,
                    cloudwatch_logs=args.allow_cloudwatch_logs,
                    autoscaling_volumes=args.autoscaling_role != "none",
                )
            ),
            # The policy names the role by its fixed ARN, so the wait is explicit.
            opts=pulumi.ResourceOptions(parent=self, depends_on=principals),
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=key.key_id, opts=child)
        self.arn = key.arn
        self.register_outputs({"arn": self.arn})
