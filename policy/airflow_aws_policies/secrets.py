"""Secrets Manager and KMS: where the generated passwords, the Fernet key and the connections live."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from ._base import ADVISORY, MANDATORY, AwsResourcePolicy, is_production, label, truthy

SECRET = "aws:secretsmanager/secret:Secret"  # pragma: allowlist secret
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"  # pragma: allowlist secret
KMS_KEY = "aws:kms/key:Key"

MINIMUM_RECOVERY_WINDOW_DAYS = 7
PRODUCTION_KEY_DELETION_WINDOW_DAYS = 30


def _secret_cmk(args: ResourceValidationArgs) -> Iterator[str]:
    if not args.props.get("kmsKeyId"):
        yield (
            f"{label(args)} is encrypted with the AWS-managed key: set kms_key_id to the stack's CMK so "
            "reading it needs kms:Decrypt on that key too."
        )


def _recovery_window(args: ResourceValidationArgs) -> Iterator[str]:
    days = args.props.get("recoveryWindowInDays")
    # Unset means the AWS default of 30 days; 0 deletes at once with no way back.
    if is_production(args) and days is not None and float(days) < MINIMUM_RECOVERY_WINDOW_DAYS:
        yield (
            f"{label(args)} would be deleted with a {days}-day recovery window: production secrets keep at "
            f"least {MINIMUM_RECOVERY_WINDOW_DAYS} days (leave recovery_window_in_days unset for 30)."
        )


def _version_holds_a_value(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("secretBinary") and not args.props.get("secretString"):
        return
    if not args.props.get("secretString"):
        yield (f"{label(args)} stores an empty secret: pass the generated value (pulumi-random) as "
               f"secret_string.")


def _key_rotation(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("keySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT" and not truthy(
        args.props.get("enableKeyRotation")
    ):
        yield f"{label(args)} never rotates its key material: set enable_key_rotation=True."


def _key_deletion_window(args: ResourceValidationArgs) -> Iterator[str]:
    days = args.props.get("deletionWindowInDays")
    if is_production(args) and days is not None and float(days) < PRODUCTION_KEY_DELETION_WINDOW_DAYS:
        yield (
            f"{label(args)} would be destroyed {days} days after deletion: production keys wait "
            f"{PRODUCTION_KEY_DELETION_WINDOW_DAYS} days (leave deletion_window_in_days unset)."
        )


POLICIES = [
    AwsResourcePolicy(
        "secretsmanager-cmk",
        "Secrets Manager secrets are encrypted with the stack's customer-managed KMS key.",
        [SECRET],
        _secret_cmk,
        MANDATORY,
        "Set kms_key_id on aws.secretsmanager.Secret.",
    ),
    AwsResourcePolicy(
        "secretsmanager-recovery-window",
        f"Production secrets keep a recovery window of at least {MINIMUM_RECOVERY_WINDOW_DAYS} days.",
        [SECRET],
        _recovery_window,
        MANDATORY,
        "Leave recovery_window_in_days unset (30) or >= 7 in production.",
    ),
    AwsResourcePolicy(
        "secretsmanager-version-has-value",
        "Every secret version carries its (generated) value.",
        [SECRET_VERSION],
        _version_holds_a_value,
        ADVISORY,
        "Pass secret_string from pulumi-random.",
    ),
    AwsResourcePolicy(
        "kms-key-rotation",
        "Symmetric KMS keys rotate their key material yearly.",
        [KMS_KEY],
        _key_rotation,
        MANDATORY,
        "Set enable_key_rotation=True.",
    ),
    AwsResourcePolicy(
        "kms-deletion-window-in-prod",
        f"Production KMS keys wait {PRODUCTION_KEY_DELETION_WINDOW_DAYS} days before deletion.",
        [KMS_KEY],
        _key_deletion_window,
        ADVISORY,
        "Leave deletion_window_in_days unset (30) in production.",
    ),
]
