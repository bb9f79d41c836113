"""S3: the remote-log bucket, the DAG/MWAA source bucket and any other bucket the programs create.

pulumi-aws v7 configures a bucket through separate resources (BucketVersioning,
BucketServerSideEncryptionConfiguration, BucketPublicAccessBlock, BucketPolicy,
BucketLifecycleConfiguration), so most rules here look at the whole stack and follow each
resource's `bucket` property back to its `aws:s3/bucket:Bucket`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs

from ._base import (
    ADVISORY,
    MANDATORY,
    AwsResourcePolicy,
    AwsStackPolicy,
    as_list,
    as_mapping,
    attached,
    is_production,
    label,
    of_type,
    prop,
    truthy,
)
from .iam import allows_everyone, statements

BUCKET = "aws:s3/bucket:Bucket"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})

# What other resources' `bucket` property holds: the bucket's id, which is its name.
BUCKET_KEYS = ("bucket", "id")
KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _buckets_with(args: StackValidationArgs, child_type: str) -> Iterator[tuple[PolicyResource, list[PolicyResource]]]:
    children = list(of_type(args.resources, child_type))
    for bucket in of_type(args.resources, BUCKET):
        yield bucket, attached(bucket, children, "bucket", BUCKET_KEYS)


def _versioning(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for bucket, configs in _buckets_with(args, VERSIONING):
        if not any(prop(c.props, "versioningConfiguration", "status") == "Enabled" for c in configs):
            yield (
                f"{label(bucket)} is not versioned: add an aws.s3.BucketVersioning with status 'Enabled'.",
                bucket.urn,
            )


def _public_access_blocked(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for bucket, blocks in _buckets_with(args, PUBLIC_ACCESS_BLOCK):
        if not blocks:
            yield (
                f"{label(bucket)} has no public access block: add an aws.s3.BucketPublicAccessBlock with all "
                "four flags True.",
                bucket.urn,
            )
        for block in blocks:
            off = [flag for flag in PUBLIC_ACCESS_FLAGS if not truthy(block.props.get(flag))]
            if off:
                yield f"{label(block)} leaves {', '.join(off)} off: set all four flags True.", block.urn


def _sse_kms(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for bucket, configs in _buckets_with(args, ENCRYPTION):
        defaults = [
            prop(rule, "applyServerSideEncryptionByDefault", default={})
            for config in configs
            for rule in as_list(config.props.get("rules"))
        ]
        if not any(d.get("sseAlgorithm") in KMS_ALGORITHMS and d.get("kmsMasterKeyId") for d in defaults):
            yield (
                f"{label(bucket)} is not encrypted with the stack's KMS key: add an "
                "aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm='aws:kms' and kms_master_key_id.",
                bucket.urn,
            )


def denies_insecure_transport(policy_document: object) -> bool:
    """True when the bucket policy has a Deny for every request made without TLS."""
    for statement in statements(policy_document):
        secure = prop(statement, "Condition", "Bool", "aws:SecureTransport")
        if statement.get("Effect") == "Deny" and str(secure).lower() == "false":
            return True
    return False


def _tls_only(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for bucket, policies in _buckets_with(args, BUCKET_POLICY):
        if not any(denies_insecure_transport(p.props.get("policy")) for p in policies):
            yield (
                f"{label(bucket)} accepts plain-HTTP requests: add a bucket policy statement that denies "
                "s3:* when aws:SecureTransport is false.",
                bucket.urn,
            )


def is_log_bucket(bucket: PolicyResource) -> bool:
    """Log buckets are named so (`…log…`) or tagged `purpose=logs`."""
    names = [bucket.name, str(bucket.props.get("bucket") or ""), str(bucket.props.get("bucketPrefix") or "")]
    return any("log" in name.lower() for name in names) or as_mapping(bucket.props.get("tags")).get("purpose") == "logs"


def _enabled_rules(configs: list[PolicyResource]) -> list:
    return [
        rule for config in configs for rule in as_list(config.props.get("rules")) if rule.get("status") == "Enabled"
    ]


def _log_lifecycle(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for bucket, configs in _buckets_with(args, LIFECYCLE):
        if is_log_bucket(bucket) and not any(prop(rule, "expiration", "days") for rule in _enabled_rules(configs)):
            yield (
                f"{label(bucket)} holds logs but never expires them: add an aws.s3.BucketLifecycleConfiguration "
                "rule with expiration days.",
                bucket.urn,
            )


def _noncurrent_versions_expire(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for bucket, configs in _buckets_with(args, LIFECYCLE):
        if not any(prop(rule, "noncurrentVersionExpiration", "noncurrentDays") for rule in _enabled_rules(configs)):
            yield (
                f"{label(bucket)} keeps old object versions forever: add a lifecycle rule with "
                "noncurrent_version_expiration.",
                bucket.urn,
            )


def _policy_not_public(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in statements(args.props.get("policy")):
        if statement.get("Effect") == "Allow" and allows_everyone(statement) and not statement.get("Condition"):
            yield (
                f"{label(args)} allows {statement.get('Action')} to everyone: name the principals "
                "(role ARNs) instead of '*'."
            )


def _acls_disabled(args: ResourceValidationArgs) -> Iterator[str]:
    if prop(args.props, "rule", "objectOwnership") != "BucketOwnerEnforced":
        yield f"{label(args)} keeps ACLs in force: set rule.object_ownership='BucketOwnerEnforced'."


def _kept_in_prod(args: ResourceValidationArgs) -> Iterator[str]:
    if is_production(args) and truthy(args.props.get("forceDestroy")):
        yield (
            f"{label(args)} is a production bucket that force-destroys: a destroy or replacement would delete "
            "every object in it; set force_destroy=False (dev stacks may keep it on)."
        )


def _object_not_public(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("acl") in PUBLIC_ACLS:
        yield (f"{label(args)} is uploaded with the {args.props['acl']} ACL: drop acl (the bucket policy decides).")


POLICIES = [
    AwsStackPolicy(
        "s3-versioning",
        "Every S3 bucket is versioned.",
        [BUCKET, VERSIONING],
        _versioning,
        MANDATORY,
        "Add aws.s3.BucketVersioning(status='Enabled').",
    ),
    AwsStackPolicy(
        "s3-public-access-block",
        "Every S3 bucket blocks all public access.",
        [BUCKET, PUBLIC_ACCESS_BLOCK],
        _public_access_blocked,
        MANDATORY,
        "Add aws.s3.BucketPublicAccessBlock with all four flags True.",
    ),
    AwsStackPolicy(
        "s3-sse-kms",
        "Every S3 bucket is encrypted by default with a customer-managed KMS key (SSE-KMS).",
        [BUCKET, ENCRYPTION],
        _sse_kms,
        MANDATORY,
        "Add aws.s3.BucketServerSideEncryptionConfiguration(sse_algorithm='aws:kms', kms_master_key_id=…).",
    ),
    AwsStackPolicy(
        "s3-tls-only",
        "Every S3 bucket policy denies requests without TLS.",
        [BUCKET, BUCKET_POLICY],
        _tls_only,
        MANDATORY,
        "Add a Deny statement conditioned on aws:SecureTransport=false to the bucket policy.",
    ),
    AwsStackPolicy(
        "s3-log-lifecycle",
        "Log buckets expire their objects.",
        [BUCKET, LIFECYCLE],
        _log_lifecycle,
        MANDATORY,
        "Add an aws.s3.BucketLifecycleConfiguration rule with expiration days.",
    ),
    AwsStackPolicy(
        "s3-noncurrent-versions-expire",
        "Versioned buckets expire noncurrent object versions.",
        [BUCKET, LIFECYCLE],
        _noncurrent_versions_expire,
        ADVISORY,
        "Add a lifecycle rule with noncurrent_version_expiration.",
    ),
    AwsResourcePolicy(
        "s3-policy-not-public",
        "No bucket policy grants access to everyone ('*') without a condition.",
        [BUCKET_POLICY],
        _policy_not_public,
        MANDATORY,
        "Name the principals in the bucket policy.",
    ),
    AwsResourcePolicy(
        "s3-no-force-destroy-in-prod",
        "Production buckets keep their objects when the bucket is destroyed (no force_destroy).",
        [BUCKET],
        _kept_in_prod,
        MANDATORY,
        "Set force_destroy=False.",
    ),
    AwsResourcePolicy(
        "s3-acls-disabled",
        "Bucket ownership controls disable ACLs (BucketOwnerEnforced).",
        [OWNERSHIP],
        _acls_disabled,
        MANDATORY,
        "Set rule.object_ownership='BucketOwnerEnforced'.",
    ),
    AwsResourcePolicy(
        "s3-object-not-public",
        "No object is uploaded with a public ACL.",
        [OBJECT],
        _object_not_public,
        MANDATORY,
        "Drop the acl argument.",
    ),
]
