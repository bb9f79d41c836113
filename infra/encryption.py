"""The platform's customer-managed KMS key."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.iam_documents import platform_key_policy


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
    deletion_window_days: int = 30
    """Waiting period before a scheduled deletion, 7 to 30 days. Defaults to 30.
    https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html"""


class PlatformKey(pulumi.ComponentResource):
    """One rotating KMS key (aws.kms.Key + aws.kms.Alias) encrypting buckets, secrets, the DB, the broker and
    the EKS secrets. Its policy (iam_documents.platform_key_policy) delegates use to IAM, so each role gets only
    what its own policy grants."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, args: PlatformKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:encryption:PlatformKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Airflow platform key ({args.alias})",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=json.dumps(
                platform_key_policy(
                    account_id=args.account_id, region=args.region, cloudwatch_logs=args.allow_cloudwatch_logs
                )
            ),
            opts=child,
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=key.key_id, opts=child)
        self.arn = key.arn
        self.register_outputs({"arn": self.arn})
