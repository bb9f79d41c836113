"""ElastiCache (Redis/Valkey), the Celery broker."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from ._base import MANDATORY, AwsResourcePolicy, is_production, label, truthy

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def _transit_encryption(args: ResourceValidationArgs) -> Iterator[str]:
    if not truthy(args.props.get("transitEncryptionEnabled")):
        yield f"{label(args)} accepts plaintext connections: set transit_encryption_enabled=True."
    elif args.props.get("transitEncryptionMode") == "preferred":
        yield (
            f"{label(args)} still accepts plaintext connections (transit_encryption_mode='preferred'): "
            "set it to 'required'."
        )


def _at_rest_encryption(args: ResourceValidationArgs) -> Iterator[str]:
    if not truthy(args.props.get("atRestEncryptionEnabled")):
        yield f"{label(args)} stores snapshots and swap unencrypted: set at_rest_encryption_enabled=True."


def _auth(args: ResourceValidationArgs) -> Iterator[str]:
    if not args.props.get("authToken") and not args.props.get("userGroupIds"):
        yield (
            f"{label(args)} lets any client in the VPC connect without a password: set auth_token (from "
            "pulumi-random, stored in Secrets Manager) or user_group_ids (RBAC)."
        )


def _multi_az_in_prod(args: ResourceValidationArgs) -> Iterator[str]:
    if not is_production(args):
        return
    if not (truthy(args.props.get("multiAzEnabled")) and truthy(args.props.get("automaticFailoverEnabled"))):
        yield (
            f"{label(args)} is a production broker without Multi-AZ failover: set multi_az_enabled=True and "
            "automatic_failover_enabled=True with num_cache_clusters >= 2."
        )
    elif float(args.props.get("numCacheClusters") or 0) < 2 and not args.props.get("replicasPerNodeGroup"):
        yield f"{label(args)} has no replica to fail over to: set num_cache_clusters >= 2."


POLICIES = [
    AwsResourcePolicy(
        "elasticache-transit-encryption",
        "ElastiCache requires TLS for every connection.",
        [REPLICATION_GROUP],
        _transit_encryption,
        MANDATORY,
        "Set transit_encryption_enabled=True (transit_encryption_mode='required').",
    ),
    AwsResourcePolicy(
        "elasticache-at-rest-encryption",
        "ElastiCache encrypts data at rest.",
        [REPLICATION_GROUP],
        _at_rest_encryption,
        MANDATORY,
        "Set at_rest_encryption_enabled=True.",
    ),
    AwsResourcePolicy(
        "elasticache-auth",
        "ElastiCache requires AUTH (token or RBAC user group).",
        [REPLICATION_GROUP],
        _auth,
        MANDATORY,
        "Set auth_token from a generated secret, or user_group_ids.",
    ),
    AwsResourcePolicy(
        "elasticache-multi-az-in-prod",
        "Production ElastiCache has Multi-AZ automatic failover.",
        [REPLICATION_GROUP],
        _multi_az_in_prod,
        MANDATORY,
        "Set multi_az_enabled=True, automatic_failover_enabled=True, num_cache_clusters>=2.",
    ),
]
