"""RDS PostgreSQL, the Airflow metadata database."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

from ._base import (
    MANDATORY,
    AwsResourcePolicy,
    AwsStackPolicy,
    as_list,
    attached,
    is_production,
    label,
    of_type,
    prop,
    truthy,
)

INSTANCE = "aws:rds/instance:Instance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"

MINIMUM_BACKUP_RETENTION_DAYS = 7
# The parameter each engine uses to refuse unencrypted client connections.
FORCE_SSL_PARAMETERS = {"postgres": ("rds.force_ssl", "1"), "mysql": ("require_secure_transport", "1")}


def _storage_encrypted(args: ResourceValidationArgs) -> Iterator[str]:
    if not truthy(args.props.get("storageEncrypted")):
        yield (f"{label(args)} stores data unencrypted: set storage_encrypted=True and kms_key_id to the stack's CMK.")
    elif not args.props.get("kmsKeyId"):
        yield (
            f"{label(args)} is encrypted with the AWS-managed key: set kms_key_id to the stack's CMK so key "
            "use is audited and revocable."
        )


def _not_public(args: ResourceValidationArgs) -> Iterator[str]:
    if truthy(args.props.get("publiclyAccessible")):
        yield (f"{label(args)} is publicly accessible: set publicly_accessible=False and reach it from the VPC.")


def _multi_az_in_prod(args: ResourceValidationArgs) -> Iterator[str]:
    if is_production(args) and not truthy(args.props.get("multiAz")):
        yield f"{label(args)} is a production database in one AZ: set multi_az=True."


def _backup_retention(args: ResourceValidationArgs) -> Iterator[str]:
    # Outside production, a few days of backups is a deliberate cost choice; turning them off is not.
    minimum = MINIMUM_BACKUP_RETENTION_DAYS if is_production(args) else 1
    days = float(args.props.get("backupRetentionPeriod") or 0)
    if days < minimum:
        yield (
            f"{label(args)} keeps backups {days:g} day(s): set backup_retention_period to at least {minimum}"
            f"{' in production' if minimum > 1 else ''}."
        )


def _deletion_protection_in_prod(args: ResourceValidationArgs) -> Iterator[str]:
    if is_production(args) and not truthy(args.props.get("deletionProtection")):
        yield (f"{label(args)} is a production database without deletion protection: set deletion_protection=True.")


def _automated_backups_kept_in_prod(args: ResourceValidationArgs) -> Iterator[str]:
    # AWS deletes the automated backups with the instance unless told otherwise.
    if is_production(args) and truthy(args.props.get("deleteAutomatedBackups", True)):
        yield (
            f"{label(args)} is a production database whose automated backups (and point-in-time restore) go with "
            "it: set delete_automated_backups=False."
        )


def _iam_auth_or_managed_secret(args: ResourceValidationArgs) -> Iterator[str]:
    if not (
        truthy(args.props.get("iamDatabaseAuthenticationEnabled")) or truthy(args.props.get("manageMasterUserPassword"))
    ):
        yield (
            f"{label(args)} has neither IAM database authentication nor an RDS-managed master secret: set "
            "iam_database_authentication_enabled=True or manage_master_user_password=True."
        )


def _ssl_forced(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    groups = list(of_type(args.resources, PARAMETER_GROUP))
    for instance in of_type(args.resources, INSTANCE):
        engine = str(instance.props.get("engine") or "")
        if engine not in FORCE_SSL_PARAMETERS:
            continue
        parameter, required = FORCE_SSL_PARAMETERS[engine]
        linked = [group for group in groups if attached(group, [instance], "parameterGroupName", ("name", "id"))]
        if not linked:
            yield (
                f"{label(instance)} uses the engine's default parameter group: give it an "
                f"aws.rds.ParameterGroup that sets {parameter}={required}.",
                instance.urn,
            )
            continue
        for group in linked:
            values = {str(prop(p, "name")): str(prop(p, "value")) for p in as_list(group.props.get("parameters"))}
            if values.get(parameter) != required:
                yield (
                    f"{label(group)} (used by {label(instance)}) does not force TLS: add the parameter "
                    f"{parameter}={required}.",
                    group.urn,
                )


POLICIES = [
    AwsResourcePolicy(
        "rds-storage-encrypted",
        "RDS storage is encrypted with a customer-managed KMS key.",
        [INSTANCE],
        _storage_encrypted,
        MANDATORY,
        "Set storage_encrypted=True and kms_key_id.",
    ),
    AwsResourcePolicy(
        "rds-not-public",
        "RDS instances are not reachable from the Internet.",
        [INSTANCE],
        _not_public,
        MANDATORY,
        "Set publicly_accessible=False.",
    ),
    AwsResourcePolicy(
        "rds-multi-az-in-prod",
        "Production RDS instances run Multi-AZ.",
        [INSTANCE],
        _multi_az_in_prod,
        MANDATORY,
        "Set multi_az=True on production stacks.",
    ),
    AwsResourcePolicy(
        "rds-backup-retention",
        f"RDS keeps automated backups: at least {MINIMUM_BACKUP_RETENTION_DAYS} days in production, 1 elsewhere.",
        [INSTANCE],
        _backup_retention,
        MANDATORY,
        "Set backup_retention_period >= 7 (production) or >= 1.",
    ),
    AwsResourcePolicy(
        "rds-deletion-protection-in-prod",
        "Production RDS instances have deletion protection.",
        [INSTANCE],
        _deletion_protection_in_prod,
        MANDATORY,
        "Set deletion_protection=True on production stacks.",
    ),
    AwsResourcePolicy(
        "rds-keep-automated-backups-in-prod",
        "Production RDS instances keep their automated backups after a deletion, for point-in-time restore.",
        [INSTANCE],
        _automated_backups_kept_in_prod,
        MANDATORY,
        "Set delete_automated_backups=False on production stacks.",
    ),
    AwsResourcePolicy(
        "rds-iam-auth-or-managed-secret",
        "RDS uses IAM database authentication or an RDS-managed master password in Secrets Manager.",
        [INSTANCE],
        _iam_auth_or_managed_secret,
        MANDATORY,
        "Set iam_database_authentication_enabled=True or manage_master_user_password=True.",
    ),
    AwsStackPolicy(
        "rds-ssl-forced",
        "RDS instances use a parameter group that refuses non-TLS connections (rds.force_ssl=1).",
        [INSTANCE, PARAMETER_GROUP],
        _ssl_forced,
        MANDATORY,
        "Create an aws.rds.ParameterGroup with rds.force_ssl=1 and set parameter_group_name.",
    ),
]
