"""CloudWatch log groups (EKS control plane, MWAA, VPC flow logs)."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from ._base import ADVISORY, MANDATORY, AwsResourcePolicy, label

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _retention(args: ResourceValidationArgs) -> Iterator[str]:
    if not args.props.get("retentionInDays"):
        yield f"{label(args)} keeps logs forever: set retention_in_days."


def _cmk(args: ResourceValidationArgs) -> Iterator[str]:
    if not args.props.get("kmsKeyId"):
        yield f"{label(args)} is encrypted with the service key: set kms_key_id to the stack's CMK."


POLICIES = [
    AwsResourcePolicy(
        "cloudwatch-log-retention",
        "CloudWatch log groups expire their events.",
        [LOG_GROUP],
        _retention,
        MANDATORY,
        "Set retention_in_days.",
    ),
    AwsResourcePolicy(
        "cloudwatch-log-cmk",
        "CloudWatch log groups are encrypted with the stack's customer-managed KMS key.",
        [LOG_GROUP],
        _cmk,
        ADVISORY,
        "Set kms_key_id (the key policy must allow logs.<region>.amazonaws.com).",
    ),
]
