"""ECR: the repository for the project's Airflow image."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

from ._base import (
    ADVISORY,
    MANDATORY,
    AwsResourcePolicy,
    AwsStackPolicy,
    as_list,
    attached,
    label,
    of_type,
    prop,
    truthy,
)

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"


def _immutable_tags(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("imageTagMutability") not in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
        yield f"{label(args)} lets a push overwrite a tag: set image_tag_mutability='IMMUTABLE'."


def _scan_on_push(args: ResourceValidationArgs) -> Iterator[str]:
    if not truthy(prop(args.props, "imageScanningConfiguration", "scanOnPush")):
        yield (f"{label(args)} does not scan pushed images: set image_scanning_configuration.scan_on_push=True.")


def _cmk(args: ResourceValidationArgs) -> Iterator[str]:
    configs = as_list(args.props.get("encryptionConfigurations"))
    if not any(c.get("encryptionType") == "KMS" and c.get("kmsKey") for c in configs):
        yield (f"{label(args)} encrypts images with AES256: set encryption_configurations to KMS with the stack's CMK.")


def _lifecycle(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    policies = list(of_type(args.resources, LIFECYCLE_POLICY))
    for repository in of_type(args.resources, REPOSITORY):
        if not attached(repository, policies, "repository", ("name", "id")):
            yield (
                f"{label(repository)} keeps every image forever: add an aws.ecr.LifecyclePolicy.",
                repository.urn,
            )


POLICIES = [
    AwsResourcePolicy(
        "ecr-immutable-tags",
        "ECR image tags are immutable.",
        [REPOSITORY],
        _immutable_tags,
        MANDATORY,
        "Set image_tag_mutability='IMMUTABLE'.",
    ),
    AwsResourcePolicy(
        "ecr-scan-on-push",
        "ECR scans every pushed image.",
        [REPOSITORY],
        _scan_on_push,
        MANDATORY,
        "Set image_scanning_configuration.scan_on_push=True.",
    ),
    AwsResourcePolicy(
        "ecr-cmk",
        "ECR encrypts images with the stack's customer-managed KMS key.",
        [REPOSITORY],
        _cmk,
        ADVISORY,
        "Set encryption_configurations=[{encryption_type: 'KMS', kms_key: …}].",
    ),
    AwsStackPolicy(
        "ecr-lifecycle",
        "Every ECR repository expires old images.",
        [REPOSITORY, LIFECYCLE_POLICY],
        _lifecycle,
        ADVISORY,
        "Add an aws.ecr.LifecyclePolicy.",
    ),
]
