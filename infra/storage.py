"""The S3 buckets: task logs, and DAGs (the MWAA source bucket), each created only where the target reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from infra.config_rules import BUCKET_PREFIX, component_input_error, name_prefix_problems
from infra.config_sections import StorageConfig
from infra.iam_documents import tls_only_bucket_policy

BucketRole = Literal["logs", "dags"]
"""logs: remote task logs (EKS and MWAA). dags: MWAA's source bucket (DAGs, requirements, plugins, startup)."""


@dataclass(frozen=True)
class StorageArgs:
    name_prefix: str
    """Bucket name prefix; AWS appends a unique suffix. MWAA needs it to start with `airflow-`."""
    kms_key_arn: pulumi.Input[str]
    """Customer-managed key for SSE-KMS. https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html"""
    storage: StorageConfig
    """The stack's storage section: days before task logs expire (noncurrent versions expire after 7 more
    days) and whether buckets keep object versions (MWAA requires it on the source bucket)."""
    buckets: tuple[BucketRole, ...]
    """Which buckets to create, e.g. ("logs",) for EKS (it reads DAGs from git) or ("logs", "dags") for MWAA."""
    force_destroy: bool
    """Delete every object (all versions) with the buckets on `pulumi destroy`, which S3 otherwise refuses for a
    bucket that isn't empty: true for dev stacks (presets.disposable), never for prod. Note: it takes effect
    only after a `pulumi up` has set it.
    https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucket/#force_destroy_python"""


class Storage(pulumi.ComponentResource):
    """One aws.s3.Bucket per role in args.buckets, each with BucketVersioning, SSE-KMS
    (BucketServerSideEncryptionConfiguration with bucket keys), BucketPublicAccessBlock (all four on),
    BucketOwnershipControls (ACLs off) and a TLS-only BucketPolicy; the logs bucket gets a lifecycle rule."""

    buckets: dict[str, aws.s3.Bucket]
    ready: dict[str, list[pulumi.Resource]]
    """Per bucket, what must exist before anything writes to it or a service is handed it (pass it as
    depends_on): its versioning, or an object gets no version ID; its SSE-KMS default, or an object is stored
    under SSE-S3; its public-access block, which MWAA refuses a source bucket without. Mocks can't see
    these: AWS applies bucket settings asynchronously, so only the engine's order keeps them first.
    https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucketversioning/ ("Object Dependency On
    Versioning")"""

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:storage:Storage", name, None, opts)
        if problems := name_prefix_problems(args.name_prefix, [BUCKET_PREFIX]):
            raise pulumi.RunError(component_input_error(name, "Storage", problems))
        buckets, ready = {}, {}
        for role in args.buckets:
            buckets[role], ready[role] = self._bucket(name, role, args)
        if "logs" in buckets:
            self._expire_logs(name, buckets["logs"], args)
        self.buckets = buckets
        self.ready = ready
        self.register_outputs({"buckets": self.buckets, "ready": self.ready})

    def _expire_logs(self, name: str, logs: aws.s3.Bucket, args: StorageArgs) -> None:
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-logs-lifecycle",
            bucket=logs.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-task-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=args.storage.log_retention_days
                    ),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=7
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=logs),
        )

    def _bucket(self, name: str, role: str, args: StorageArgs) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
        """The bucket and what must exist before it is written to (`ready`)."""
        bucket = aws.s3.Bucket(
            f"{name}-{role}",
            bucket_prefix=f"{args.name_prefix}-{role}-",
            force_destroy=args.force_destroy,
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_bucket = pulumi.ResourceOptions(parent=bucket)
        versioning = aws.s3.BucketVersioning(
            f"{name}-{role}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled" if args.storage.versioning else "Suspended"
            ),
            opts=on_bucket,
        )
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-{role}-sse",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=on_bucket,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-{role}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=on_bucket,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-{role}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=on_bucket,
        )
        aws.s3.BucketPolicy(
            f"{name}-{role}-tls-only",
            bucket=bucket.id,
            policy=bucket.arn.apply(lambda arn: json.dumps(tls_only_bucket_policy(arn))),
            # S3 refuses policy changes while the public access block is being created.
            opts=pulumi.ResourceOptions(parent=bucket, depends_on=[public_access]),
        )
        return bucket, [versioning, encryption, public_access]
