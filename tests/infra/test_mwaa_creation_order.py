"""The MWAA stack's creation order: what a first `pulumi up` needs to exist before each step (creation_order.py).

Mocks create everything at once, so these edges are the only proof that AWS sees the bucket's settings before
the uploads, and the role's policy, the objects and the bucket's public-access block before the environment.
"""

from __future__ import annotations

import pytest

from mwaa.layout import ARTIFACT_KEYS
from tests.infra.creation_order import assert_waits_for
from tests.infra.harness import Built, Recorded

pytestmark = pytest.mark.infra

PREFIX = "airflow-mwaa"
SOURCE_BUCKET_SETTINGS = {
    "versioning": "aws:s3/bucketVersioning:BucketVersioning",
    "sse": "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "public-access": "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
}


def _setting(built: Built, setting: str) -> Recorded:
    return built.find_created(SOURCE_BUCKET_SETTINGS[setting], f"{PREFIX}-storage-dags-{setting}")


def _artifact(built: Built, artifact: str) -> Recorded:
    return built.find_created("aws:s3/bucketObjectv2:BucketObjectv2", f"{PREFIX}-artifacts-{artifact}")


def _environment(built: Built) -> Recorded:
    return built.one("aws:mwaa/environment:Environment")


class TestArtifactsAfterTheirBucket:
    """Each upload waits for the source bucket's settings."""

    @pytest.mark.parametrize("setting", SOURCE_BUCKET_SETTINGS)
    @pytest.mark.parametrize("artifact", ARTIFACT_KEYS)
    def test_should_upload_after_the_bucket_setting(self, mwaa_stack: Built, artifact: str, setting: str):
        assert_waits_for(mwaa_stack, _artifact(mwaa_stack, artifact), _setting(mwaa_stack, setting))


class TestEnvironmentLast:
    """The environment waits for everything MWAA checks when it is created."""

    def test_should_wait_for_the_execution_role_policy(self, mwaa_stack: Built):
        assert_waits_for(mwaa_stack, _environment(mwaa_stack), mwaa_stack.one("aws:iam/rolePolicy:RolePolicy"))

    @pytest.mark.parametrize("artifact", ARTIFACT_KEYS)
    def test_should_wait_for_each_object(self, mwaa_stack: Built, artifact: str):
        assert_waits_for(mwaa_stack, _environment(mwaa_stack), _artifact(mwaa_stack, artifact))

    @pytest.mark.parametrize("setting", SOURCE_BUCKET_SETTINGS)
    def test_should_wait_for_the_source_bucket_settings(self, mwaa_stack: Built, setting: str):
        assert_waits_for(mwaa_stack, _environment(mwaa_stack), _setting(mwaa_stack, setting))

    @pytest.mark.parametrize("setting", SOURCE_BUCKET_SETTINGS)
    def test_should_wait_for_the_bucket_settings_itself(self, mwaa_stack: Built, setting: str):
        """MWAA checks the source bucket when it creates the environment, so the environment names the bucket's
        settings itself instead of relying on the uploads' wait."""
        assert _setting(mwaa_stack, setting).urn in _environment(mwaa_stack).dependencies
