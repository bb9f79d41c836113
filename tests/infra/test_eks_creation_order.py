"""The EKS platform's creation order: what a first `pulumi up` needs to exist before each step (creation_order.py).

Mocks create everything at once, so these edges are the only proof that AWS sees the Auto Scaling role before
the key policy naming it, and the key, the node role's policies and the routes out before nodes boot.
"""

from __future__ import annotations

import pytest

from infra.cluster import NODE_MANAGED_POLICIES
from infra.load_balancer_controller import CHART as CONTROLLER_CHART
from tests.infra.creation_order import assert_waits_for
from tests.infra.example_stacks import example_workloads
from tests.infra.harness import Built, Recorded

pytestmark = pytest.mark.infra


def _node_groups(built: Built) -> list[Recorded]:
    groups = built.of_type("eks:index:ManagedNodeGroup")
    assert groups
    return groups


class TestKeyAfterItsPrincipals:
    """KMS refuses a key policy naming a principal that does not exist yet."""

    def test_should_create_the_autoscaling_role_before_the_key(self, eks_stack: Built):
        assert_waits_for(
            eks_stack, eks_stack.one("aws:kms/key:Key"), eks_stack.one("aws:iam/serviceLinkedRole:ServiceLinkedRole")
        )


class TestNodeGroupsLast:
    """A managed node group boots nodes at once: all they launch and join with must exist first."""

    @pytest.mark.parametrize(
        "awaited", ["aws:kms/key:Key", "aws:iam/serviceLinkedRole:ServiceLinkedRole", "eks:index:Cluster"]
    )
    def test_should_wait_for_the_key_the_autoscaling_role_and_the_cluster(self, eks_stack: Built, awaited: str):
        for group in _node_groups(eks_stack):
            assert_waits_for(eks_stack, group, eks_stack.one(awaited))

    @pytest.mark.parametrize("policy_arn", NODE_MANAGED_POLICIES)
    def test_should_wait_for_each_node_role_policy(self, eks_stack: Built, policy_arn: str):
        (attachment,) = [
            a
            for a in eks_stack.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.inputs["policyArn"] == policy_arn
        ]
        for group in _node_groups(eks_stack):
            assert_waits_for(eks_stack, group, attachment)

    @pytest.mark.parametrize("kind", ["aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation"])
    def test_should_wait_for_every_private_route_out(self, eks_stack: Built, kind: str):
        private = [r for r in eks_stack.of_type(kind) if "-private-" in r.name]
        assert private
        for group in _node_groups(eks_stack):
            for route in private:
                assert_waits_for(eks_stack, group, route)

    def test_should_wait_for_its_launch_template(self, eks_stack: Built):
        for group in _node_groups(eks_stack):
            assert_waits_for(
                eks_stack, group, eks_stack.find_created("aws:ec2/launchTemplate:LaunchTemplate", f"{group.name}-lt")
            )


def _release(built: Built, chart: str) -> Recorded:
    (release,) = [r for r in built.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == chart]
    return release


class TestWorkloadsStage:
    """Within the workloads stage: the namespace, its Secrets and NetworkPolicies, then the add-ons, then the
    chart. (Across the
    stages, the platform exports its workloads output only once the node groups exist, and the workloads stage
    refuses a platform without it: test_workloads_stage.py TestPlatformContract; the image must be in ECR
    before anything starts: TestImagePin.)"""

    @pytest.mark.parametrize("chart", ["airflow", "keda"])
    def test_should_install_after_the_namespace_and_every_secret(self, eks_workloads: Built, chart: str):
        release = _release(eks_workloads, chart)
        assert_waits_for(eks_workloads, release, eks_workloads.one("kubernetes:core/v1:Namespace"))
        secrets = eks_workloads.of_type("kubernetes:core/v1:Secret")
        assert len(secrets) == 9
        for secret in secrets:
            assert_waits_for(eks_workloads, release, secret)

    def test_should_create_each_secret_in_its_namespace_after_it(self, eks_workloads: Built):
        namespace = eks_workloads.one("kubernetes:core/v1:Namespace")
        for secret in eks_workloads.of_type("kubernetes:core/v1:Secret"):
            assert_waits_for(eks_workloads, secret, namespace)

    def test_should_install_the_chart_after_keda(self, eks_workloads: Built):
        assert_waits_for(eks_workloads, _release(eks_workloads, "airflow"), _release(eks_workloads, "keda"))

    def test_should_install_the_chart_after_every_cluster_add_on(self, eks_workloads: Built):
        """The add-ons component as a whole: an add-on added to it (the load balancer controller for an
        ingress) is waited for without another edge."""
        addons = eks_workloads.one("airflow-aws:cluster_addons:ClusterAddons")
        assert_waits_for(eks_workloads, _release(eks_workloads, "airflow"), addons)

    def test_should_install_the_chart_after_the_load_balancer_controller_when_there_is_an_ingress(self):
        prod, dev = example_workloads("prod"), example_workloads("dev")
        assert_waits_for(prod, _release(prod, "airflow"), _release(prod, CONTROLLER_CHART))
        assert sorted(r.inputs["chart"] for r in dev.of_type("kubernetes:helm.sh/v3:Release")) == ["airflow", "keda"]

    def test_should_create_every_network_policy_in_the_namespace_before_the_chart(self, eks_workloads: Built):
        namespace = eks_workloads.one("kubernetes:core/v1:Namespace")
        policies = eks_workloads.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        assert policies
        for policy in policies:
            assert_waits_for(eks_workloads, policy, namespace)
            assert_waits_for(eks_workloads, _release(eks_workloads, "airflow"), policy)

    def test_should_reach_the_cluster_through_its_provider(self, eks_workloads: Built):
        provider = eks_workloads.one("pulumi:providers:kubernetes")
        for resource in eks_workloads.resources:
            if resource.custom and resource.type.startswith("kubernetes:"):
                assert_waits_for(eks_workloads, resource, provider)
