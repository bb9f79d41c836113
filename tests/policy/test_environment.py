"""Where the production rules apply, and how rules behave in preview when names are still unknown."""

from __future__ import annotations

import json

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from tests.policy.policy_args import BY_NAME, reported, resource_args, stack_args, stack_resource

pytestmark = pytest.mark.infra

RDS = "aws:rds/instance:Instance"
SINGLE_AZ = {"engine": "postgres", "multiAz": False, "deletionProtection": False, "backupRetentionPeriod": 3}
PROD_ONLY_RULES = ("rds-multi-az-in-prod", "rds-deletion-protection-in-prod", "rds-backup-retention")
BUCKET = "aws:s3/bucket:Bucket"
FORCE_DESTROYED = {"bucketPrefix": "airflow-logs-", "forceDestroy": True}


@pytest.mark.parametrize(
    ("tags", "reported_in"), [({"environment": "dev"}, False), ({"environment": "prod"}, True), (None, True)]
)
def test_only_a_non_production_bucket_may_force_destroy(tags, reported_in):
    props = {**FORCE_DESTROYED, **({"tags": tags} if tags else {})}
    assert bool(reported(BY_NAME["s3-no-force-destroy-in-prod"], resource_args(BUCKET, props))) is reported_in


@pytest.mark.parametrize("rule", PROD_ONLY_RULES)
def test_untagged_resource_is_held_to_production_rules(rule):
    assert reported(BY_NAME[rule], resource_args(RDS, SINGLE_AZ))


@pytest.mark.parametrize("rule", PROD_ONLY_RULES)
@pytest.mark.parametrize("tags", [{"environment": "prod"}, {"environment": "Production"}])
def test_production_tag_applies_production_rules(rule, tags):
    assert reported(BY_NAME[rule], resource_args(RDS, {**SINGLE_AZ, "tags": tags}))


@pytest.mark.parametrize("rule", PROD_ONLY_RULES)
def test_dev_tag_relaxes_production_rules(rule):
    assert reported(BY_NAME[rule], resource_args(RDS, {**SINGLE_AZ, "tags": {"environment": "dev"}})) == []


@pytest.mark.parametrize(
    "default_tags", [{"tags": {"environment": "dev"}}, json.dumps({"tags": {"environment": "dev"}})]
)
def test_provider_default_tags_set_the_environment(default_tags):
    # The engine hands provider config over as JSON text; an explicit provider's inputs arrive as objects.
    args = resource_args(RDS, SINGLE_AZ, provider_props={"region": "eu-west-1", "defaultTags": default_tags})
    assert reported(BY_NAME["rds-multi-az-in-prod"], args) == []


def test_resource_tag_overrides_provider_default_tag():
    args = resource_args(
        RDS,
        {**SINGLE_AZ, "tags": {"environment": "prod"}},
        provider_props={"defaultTags": {"tags": {"environment": "dev"}}},
    )
    assert reported(BY_NAME["rds-multi-az-in-prod"], args)


def test_dev_keeps_backups_on():
    args = resource_args(RDS, {**SINGLE_AZ, "backupRetentionPeriod": 0, "tags": {"environment": "dev"}})
    assert reported(BY_NAME["rds-backup-retention"], args)


def test_bucket_links_through_recorded_dependencies_while_names_are_unknown():
    """In a first preview the bucket name is unknown; the engine's property dependencies still link them."""
    bucket = stack_resource("aws:s3/bucket:Bucket", "logs", {})
    bucket.props = unknown_checking_proxy({"bucket": UNKNOWN_STRING_VALUE})
    versioning = stack_resource("aws:s3/bucketVersioning:BucketVersioning", "logs-versioning", {})
    versioning.props = unknown_checking_proxy(
        {"bucket": UNKNOWN_STRING_VALUE, "versioningConfiguration": {"status": "Enabled"}}
    )
    versioning.property_dependencies = {"bucket": [bucket]}
    assert reported(BY_NAME["s3-versioning"], stack_args([bucket, versioning])) == []
    versioning.property_dependencies = {}
    assert reported(BY_NAME["s3-versioning"], stack_args([bucket, versioning]))
