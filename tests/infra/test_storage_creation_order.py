"""The buckets' own creation order, on every example stack (creation_order.py)."""

from __future__ import annotations

import pytest

from tests.infra.creation_order import assert_waits_for
from tests.infra.example_stacks import STACKS, example_stack

pytestmark = pytest.mark.infra

STORAGE = "-storage-logs"


@pytest.mark.parametrize("stack", STACKS)
def test_should_expire_logs_once_versioning_is_on(stack: str):
    """The lifecycle rule expires noncurrent versions, so the bucket's versioning comes first."""
    built = example_stack(stack)
    lifecycle = built.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    versioning = next(
        r for r in built.of_type("aws:s3/bucketVersioning:BucketVersioning") if r.name.endswith(f"{STORAGE}-versioning")
    )
    assert_waits_for(built, lifecycle, versioning)


@pytest.mark.parametrize("stack", STACKS)
def test_should_set_bucket_policies_after_the_public_access_blocks(stack: str):
    """S3 refuses a bucket policy while the bucket's public access block is being created."""
    built = example_stack(stack)
    blocks = {
        r.name.removesuffix("-public-access"): r
        for r in built.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    }
    policies = built.of_type("aws:s3/bucketPolicy:BucketPolicy")
    assert policies
    for policy in policies:
        assert_waits_for(built, policy, blocks[policy.name.removesuffix("-tls-only")])
