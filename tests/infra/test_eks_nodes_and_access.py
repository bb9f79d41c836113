"""The EKS platform's node volumes key and API reachability: what AWS refuses that the mock runtime cannot see.

The key policy must admit the Auto Scaling service-linked role (created first in a fresh account), and a private
API endpoint must admit the networks the workloads stage deploys from.
"""

from __future__ import annotations

import pytest

from infra.config import StackConfigError
from tests.infra.harness import (
    ACCOUNT_ID,
    CLUSTER_SECURITY_GROUP,
    Built,
    PlatformMocks,
    Recorded,
    build_stack,
    platform_key,
    stack_config,
    statements,
)

pytestmark = pytest.mark.infra

AUTOSCALING_ROLE = (
    f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
)


def _api_rules(built: Built) -> list[Recorded]:
    """The ingress rules admitting deployer networks to the Kubernetes API."""
    return [
        rule
        for rule in built.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if "-api-from-" in rule.name
    ]


class TestNodeVolumeKey:
    """The platform key admits EC2 Auto Scaling, which launches the node groups' encrypted volumes."""

    def test_should_grant_autoscaling_the_two_statements_aws_requires(self, eks_stack: Built):
        by_sid = {s["Sid"]: s for s in statements(eks_stack.one("aws:kms/key:Key"))}
        role = AUTOSCALING_ROLE
        use = by_sid["Allow service-linked role use of the customer managed key"]
        assert use["Principal"] == {"AWS": [role]} and use["Resource"] == ["*"]
        assert use["Action"] == [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
        ]
        grant = by_sid["Allow attachment of persistent resources"]
        assert (grant["Principal"], grant["Action"]) == ({"AWS": [role]}, ["kms:CreateGrant"])
        assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": True}}

    def test_should_create_the_role_in_an_account_without_it_and_keep_it_on_destroy(self, eks_stack: Built):
        role = eks_stack.one("aws:iam/serviceLinkedRole:ServiceLinkedRole")
        assert role.inputs["awsServiceName"] == "autoscaling.amazonaws.com"
        assert role.retain_on_delete, "the role is account-wide: other Auto Scaling groups launch with it"

    def test_should_use_the_role_an_account_already_has(self):
        existing = (
            f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
        )
        built = build_stack("dev", stack_config("dev"), mocks=lambda b: PlatformMocks(b, existing_roles=(existing,)))
        assert not built.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
        principals = [s["Principal"] for s in statements(built.one("aws:kms/key:Key")) if s["Sid"] != "DelegateToIam"]
        assert principals == [{"AWS": [existing]}] * 2
        (lookup,) = [
            a for t, a in zip(built.invokes, built.invoke_args, strict=True) if t == "aws:iam/getRoles:getRoles"
        ]
        assert lookup == {
            "pathPrefix": "/aws-service-role/autoscaling.amazonaws.com/",
            "nameRegex": "^AWSServiceRoleForAutoScaling$",
        }

    def test_should_leave_autoscaling_out_of_the_mwaa_key(self, mwaa_stack: Built):
        assert [s["Sid"] for s in statements(platform_key(mwaa_stack))] == ["DelegateToIam", "CloudWatchLogs"]
        assert not mwaa_stack.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")


class TestDeployerNetworks:
    """eks.deployerCidrs: where the workloads stage reaches a private API endpoint from."""

    def test_should_admit_the_deployer_networks_to_the_private_endpoint(self, prod_stack: Built):
        (rule,) = _api_rules(prod_stack)
        assert (rule.inputs["securityGroupId"], rule.inputs["cidrIpv4"]) == (CLUSTER_SECURITY_GROUP, "192.168.100.0/24")
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 443, 443)

    def test_should_open_nothing_more_where_the_endpoint_is_public(self, dev_stack: Built):
        assert not _api_rules(dev_stack)

    @pytest.mark.parametrize(
        ("eks", "message"),
        [
            ({}, r"eks\.deployerCidrs: empty while eks\.endpointPublicAccess is false.*fix: list the private networks"),
            ({"deployerCidrs": ["0.0.0.0/0"]}, r"eks\.deployerCidrs: 0\.0\.0\.0/0 is not inside an RFC 1918 block"),
            ({"deployerCidrs": ["198.51.100.0/24"]}, r"eks\.deployerCidrs: 198\.51\.100\.0/24 is not inside.*fix: "),
            ({"deployerCidrs": ["10.1.0.0/33"]}, r"eks\.deployerCidrs: '10\.1\.0\.0/33' is not an IPv4 CIDR; fix: "),
            (
                {"deployerCidrs": ["10.1.0.0/16"], "publicAccessCidrs": ["203.0.113.0/24"]},
                r"eks\.publicAccessCidrs: set while eks\.endpointPublicAccess is false, which pulumi-eks refuses",
            ),
        ],
    )
    def test_should_refuse_a_private_endpoint_no_deployer_can_reach(self, eks: dict, message: str):
        built = Built()
        with pytest.raises(StackConfigError, match=message):
            build_stack("prod", {**stack_config("prod"), "airflow-aws:eks": eks}, built)
        assert built.resources == [], f"created {[r.name for r in built.resources]} before refusing the config"

    def test_should_let_a_public_endpoint_stack_add_a_runner_network(self):
        eks = {**stack_config("dev")["airflow-aws:eks"], "deployerCidrs": ["10.40.0.0/19"]}
        (rule,) = _api_rules(build_stack("dev", {**stack_config("dev"), "airflow-aws:eks": eks}))
        assert rule.inputs["cidrIpv4"] == "10.40.0.0/19"


class TestDeployerRoles:
    """eks.deployerRoleArns: identities besides the cluster's creator that run the workloads stage."""

    def test_should_give_each_deployer_role_cluster_admin_access(self):
        role = f"arn:aws:iam::{ACCOUNT_ID}:role/ci-runner"
        eks = {**stack_config("prod")["airflow-aws:eks"], "deployerRoleArns": [role]}
        cluster = build_stack("prod", {**stack_config("prod"), "airflow-aws:eks": eks}).one("eks:index:Cluster")
        assert cluster.inputs["accessEntries"] == {
            "deployer-0": {
                "principalArn": role,
                "accessPolicies": {
                    "admin": {
                        "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        "accessScope": {"type": "cluster"},
                    }
                },
            }
        }

    def test_should_add_no_entry_for_the_creator(self, eks_platform: Built):
        assert "accessEntries" not in eks_platform.one("eks:index:Cluster").inputs

    def test_should_refuse_what_is_not_a_role_arn(self):
        built = Built()
        eks = {**stack_config("prod")["airflow-aws:eks"], "deployerRoleArns": ["ci-runner"]}
        with pytest.raises(StackConfigError, match=r"eks\.deployerRoleArns: 'ci-runner' is not an IAM role ARN; fix: "):
            build_stack("prod", {**stack_config("prod"), "airflow-aws:eks": eks}, built)
        assert built.resources == []


class UsEast1Mocks(PlatformMocks):
    """us-east-1 as an account may see it, use1-az3 (where EKS places no control plane) among its zones."""

    def call(self, args):
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            self.built.invokes.append(args.token)
            self.built.invoke_args.append(dict(args.args))
            return {
                "id": "us-east-1",
                "names": ["us-east-1a", "us-east-1b", "us-east-1c"],
                "zoneIds": ["use1-az1", "use1-az3", "use1-az2"],
            }
        return super().call(args)


class TestControlPlaneZones:
    """EKS refuses control-plane subnets in use1-az3, usw1-az2 and cac1-az3 (network-reqs)."""

    def test_should_leave_out_a_zone_eks_refuses(self):
        built = build_stack("dev", {**stack_config("dev"), "aws:region": "us-east-1"}, mocks=UsEast1Mocks)
        zones = {s.inputs["availabilityZone"] for s in built.of_type("aws:ec2/subnet:Subnet")}
        assert zones == {"us-east-1a", "us-east-1c"}
