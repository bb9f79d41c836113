"""The `environment` tag that tells the production rules where they apply."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from . import ecr, eks, elasticache, iam, logs, mwaa, network, rds, s3, secrets
from ._base import ADVISORY, ENVIRONMENT_TAG, AwsResourcePolicy, environment_of, label

# The resources that accept tags and that the programs create (association-style resources don't). The
# pulumi-eks component is left out: its aws.eks.Cluster child carries the provider's default tags.
TAGGED_TYPES = (
    rds.INSTANCE,
    rds.PARAMETER_GROUP,
    *network.SUBNET_GROUPS,
    elasticache.REPLICATION_GROUP,
    s3.BUCKET,
    secrets.SECRET,
    secrets.KMS_KEY,
    eks.EKS_CLUSTER,
    mwaa.ENVIRONMENT,
    iam.ROLE,
    iam.POLICY,
    iam.OIDC_PROVIDER,
    network.SECURITY_GROUP,
    network.VPC,
    network.SUBNET,
    ecr.REPOSITORY,
    logs.LOG_GROUP,
)


def _environment_tag(args: ResourceValidationArgs) -> Iterator[str]:
    provider_props = args.provider.props if args.provider is not None else None
    if environment_of(args.props, provider_props) is None:
        yield (
            f"{label(args)} has no '{ENVIRONMENT_TAG}' tag, so the production rules apply to it: tag it "
            "through the provider's default_tags."
        )


POLICIES = [
    AwsResourcePolicy(
        "environment-tag",
        f"Every taggable resource carries an '{ENVIRONMENT_TAG}' tag (untagged resources are held to "
        f"production rules).",
        TAGGED_TYPES,
        _environment_tag,
        ADVISORY,
        "Set default_tags={'tags': {'environment': …}} on the provider.",
    ),
]
