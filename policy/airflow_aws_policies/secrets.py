"""Secrets Manager and KMS: where the generated passwords, the Fernet key and the connections live."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

from ._base import (
    ADVISORY,
    MANDATORY,
    AwsResourcePolicy,
    AwsStackPolicy,
    attached,
    is_production,
    label,
    of_type,
    prop,
    truthy,
)

SECRET = "aws:secretsmanager/secret:Secret"  # pragma: allowlist secret
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"  # pragma: allowlist secret
KMS_KEY = "aws:kms/key:Key"
KUBERNETES_SECRET = "kubernetes:core/v1:Secret"  # pragma: allowlist secret
# The Secrets Manager secret and the chart's Kubernetes Secret holding the Fernet key are named so.
FERNET_KEY_NAME = "fernet-key"

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


def _fernet_key_rotatable(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    """scripts/rotate-fernet-key changes the key in place; a Pulumi update must not put the old one back."""
    versions = list(of_type(args.resources, SECRET_VERSION))
    for secret in of_type(args.resources, SECRET):
        if not str(secret.props.get("name") or "").endswith(FERNET_KEY_NAME):
            continue
        for version in attached(secret, versions, "secretId", ("id", "arn")):
            if "secretString" not in version.opts.ignore_changes:
                yield (
                    f"{label(version)} would restore the Fernet key Pulumi generated after a rotation: add "
                    "ignore_changes=['secretString'].",
                    version.urn,
                )
    for secret in of_type(args.resources, KUBERNETES_SECRET):
        if FERNET_KEY_NAME in str(prop(secret.props, "metadata", "name", default="")) and not {
            "stringData",
            "data",
        } & set(secret.opts.ignore_changes):
            yield (
                f"{label(secret)} would restore the Fernet key Pulumi generated after a rotation: add "
                "ignore_changes=['stringData'].",
                secret.urn,
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
    AwsStackPolicy(
        "fernet-key-rotatable",
        "Pulumi only seeds the Fernet key: its SecretVersion and Kubernetes Secret ignore value changes, so an "
        "update after scripts/rotate-fernet-key keeps the rotated key.",
        [SECRET, SECRET_VERSION, KUBERNETES_SECRET],
        _fernet_key_rotatable,
        MANDATORY,
        "ignore_changes=['secretString'] on the SecretVersion, ['stringData'] on the Kubernetes Secret.",
    ),
]
