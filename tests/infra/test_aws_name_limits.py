"""AWS's name limits: the longest namePrefix and node group name the rules accept give names every AWS limit takes,
and Storage holds its bucket prefix to the same rule by itself."""

from __future__ import annotations

import pulumi
import pytest

from infra.config_rules import AUTONAME_SUFFIX, NODE_GROUP_NAME_LIMIT, derived_names
from infra.config_sections import StorageConfig
from infra.presets import PRESETS
from infra.storage import Storage, StorageArgs
from tests.infra.example_stacks import with_stand_in_artifacts
from tests.infra.harness import Built, Recorded, build_stack, run_under_mocks, stack_config

pytestmark = pytest.mark.infra


# Where each resource's AWS name is, and AWS's limit on it: the names namePrefix can push over a limit.
AWS_NAME_LIMITS = {
    "aws:iam/role:Role": ("name", 64),
    "aws:iam/rolePolicy:RolePolicy": ("name", 128),
    "aws:s3/bucket:Bucket": ("bucketPrefix", 37),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("replicationGroupId", 40),
    "aws:elasticache/subnetGroup:SubnetGroup": ("name", 255),
    "aws:rds/instance:Instance": ("identifier", 63),
    "aws:rds/subnetGroup:SubnetGroup": ("name", 255),
    "aws:rds/parameterGroup:ParameterGroup": ("name", 255),
    "aws:ec2/securityGroup:SecurityGroup": ("name", 255),
    "aws:ec2/launchTemplate:LaunchTemplate": ("name", 128),
    "aws:mwaa/environment:Environment": ("name", 80),
    "eks:index:ManagedNodeGroup": ("nodeGroupName", 63),
}


def _aws_name(resource: Recorded, key: str) -> str:
    """The name AWS receives: the explicit input, or Pulumi's autoname (logical name, dash, 7 hex digits)."""
    return resource.inputs.get(key) or f"{resource.name}-{'0' * (AUTONAME_SUFFIX - 1)}"


class TestAwsNameLimits:
    """The longest namePrefix and node group name the rules accept give names every AWS limit accepts."""

    @pytest.mark.parametrize("stack", ["dev", "prod", "mwaa"])
    def test_should_keep_every_name_within_its_aws_limit(self, stack: str, tmp_path):
        target = stack_config(stack)["airflow-aws:target"]
        longest = min(name.limit - name.added for name in derived_names(target))
        prefix = "airflow-" + "x" * (longest - len("airflow-"))
        group = "g" * (NODE_GROUP_NAME_LIMIT - len(f"{prefix}-eks-") - AUTONAME_SUFFIX)
        config = {**stack_config(stack), "airflow-aws:namePrefix": prefix}
        if target == "eks":
            eks = PRESETS[stack]["eks"]
            # The stack's own endpoint access (public CIDRs in dev, deployer networks in prod) stays.
            config["airflow-aws:eks"] = {
                **config["airflow-aws:eks"],
                "nodeGroups": [{**eks["nodeGroups"][0], "name": group}],
            }
        else:
            config = with_stand_in_artifacts(config, tmp_path)
        built = build_stack(stack, config)
        checked = [(r, *AWS_NAME_LIMITS[r.type]) for r in built.resources if r.type in AWS_NAME_LIMITS]
        assert {r.type for r, _, _ in checked} >= {"aws:iam/role:Role", "aws:s3/bucket:Bucket"}
        too_long = [
            f"{r.type} {_aws_name(r, key)!r} ({len(_aws_name(r, key))} > {limit})"
            for r, key, limit in checked
            if len(_aws_name(r, key)) > limit
        ]
        assert too_long == []


class TestStorageComponent:
    """Storage holds its bucket prefix to the same rule, in the same words, before creating a child."""

    def test_should_refuse_a_prefix_s3_reserves(self):
        args = StorageArgs(
            name_prefix="sthree-x",
            kms_key_arn="arn:aws:kms:eu-west-1:1:key/k",
            storage=StorageConfig.model_validate(PRESETS["dev"]["storage"]),
            buckets=("logs",),
            force_destroy=True,
        )
        built = Built()
        with pytest.raises(
            pulumi.RunError, match=r"x-storage: Storage inputs are invalid:\n  namePrefix: 'sthree-x' starts with"
        ):
            run_under_mocks("dev", {}, lambda: Storage("x-storage", args), built)
        assert [r.type for r in built.resources] == ["airflow-aws:storage:Storage"]
