"""The MWAA stack's creation order: what a first `pulumi up` needs to exist before each step (creation_order.py).

Mocks create everything at once, so these edges are the only proof that AWS sees the bucket's settings before
the uploads, the role's policy, the objects, the bucket's public-access block and the log groups before the
environment, and the environment before its alarms.
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

    def test_should_wait_for_the_private_routes_and_endpoints(self, mwaa_stack: Built):
        """Its workers reach SQS, S3, CloudWatch and KMS from their first boot, through the private subnets'
        routes and the VPC endpoints."""
        network = [
            *mwaa_stack.of_type("aws:ec2/route:Route"),
            *mwaa_stack.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation"),
            *mwaa_stack.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"),
        ]
        private = [resource for resource in network if "-public" not in resource.name]
        assert len(private) > 6, [resource.name for resource in private]
        for resource in private:
            assert_waits_for(mwaa_stack, _environment(mwaa_stack), resource)


class TestAlertsAndLogs:
    """The log groups exist before the environment writes to them; the alarms once it exists."""

    def test_should_create_the_log_groups_first(self, mwaa_stack: Built):
        groups = mwaa_stack.of_type("aws:cloudwatch/logGroup:LogGroup")
        assert len(groups) == 5
        for group in groups:
            assert_waits_for(mwaa_stack, _environment(mwaa_stack), group)

    def test_should_create_each_alarm_after_the_environment(self, mwaa_stack: Built):
        """Its heartbeat alarm treats missing data as breaching: created earlier, it would fire through the
        environment's creation."""
        alarms = mwaa_stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        assert alarms
        for alarm in alarms:
            assert_waits_for(mwaa_stack, alarm, _environment(mwaa_stack))
