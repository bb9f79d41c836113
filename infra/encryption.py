"""The platform's customer-managed KMS key."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class PlatformKeyArgs:
    alias: str
    """Alias name without the `alias/` prefix, e.g. airflow-dev."""
    deletion_window_days: int = 30
    """Waiting period before a scheduled deletion, 7 to 30 days. Defaults to 30.
    https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html"""


class PlatformKey(pulumi.ComponentResource):
    """One rotating KMS key (aws.kms.Key + aws.kms.Alias) encrypting buckets, secrets, the DB, the broker and
    the EKS secrets. The default key policy delegates use to IAM, so each role gets only what its policy
    grants."""

    key: aws.kms.Key
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: PlatformKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:encryption:PlatformKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Airflow platform key ({args.alias})",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            opts=child,
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=self.key.key_id, opts=child)
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})
