"""The AWS Load Balancer Controller (infra/load_balancer_controller.py): its IRSA role with the vendored published
policy in the platform stage, its release among the cluster add-ons in the workloads stage, only with an ingress
(prod). The Airflow release waits for it: test_eks_creation_order.py TestWorkloadsStage."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from airflow_settings.versions import pin
from infra.chart_images import LOAD_BALANCER_CONTROLLER_IMAGE, cached_repository, ecr_registry
from infra.load_balancer_controller import CHART, IAM_POLICY_FILE, NAMESPACE, SERVICE_ACCOUNT
from infra.workloads_inputs import WORKLOADS_OUTPUT, from_output
from tests.infra.example_stacks import example_platform, example_workloads
from tests.infra.harness import ACCOUNT_ID, OIDC_URL, Built, Recorded, statements

pytestmark = pytest.mark.infra

ROLE_COMPONENT = "airflow-aws:load_balancer_controller:LoadBalancerControllerRole"
VENDORED_README = IAM_POLICY_FILE.parent / "README.md"


def _controller_release(built: Built) -> list[Recorded]:
    return [r for r in built.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == CHART]


class TestVendoredPolicy:
    """The controller's published iam_policy.json, byte for byte as recorded."""

    def test_should_keep_the_policy_as_recorded(self):
        digest = hashlib.sha256(IAM_POLICY_FILE.read_bytes()).hexdigest()
        (row,) = [line for line in VENDORED_README.read_text().splitlines() if f"`{IAM_POLICY_FILE.name}`" in line]
        assert f"`{digest}`" in row, f"{IAM_POLICY_FILE.name} changed: sha256 {digest}"

    def test_should_be_the_policy_of_the_chart_pin_app_version(self):
        # The chart's appVersion equals its version for this controller (aws/eks-charts); the file names it.
        version = pin("aws-load-balancer-controller-chart").version
        assert re.search(rf"-v{re.escape(version)}-iam-policy\.json$", IAM_POLICY_FILE.name)


class TestRole:
    """The controller's IRSA role, in the platform stage, with an ingress only."""

    def test_should_create_no_role_without_an_ingress(self):
        built = example_platform("dev")
        assert built.of_type(ROLE_COMPONENT) == [] and built.of_type("aws:iam/policy:Policy") == []
        assert (
            from_output(built.outputs[WORKLOADS_OUTPUT], platform_stack="x").load_balancer_controller_role_arn is None
        )

    def test_should_trust_only_the_controllers_service_account(self):
        built = example_platform("prod")
        component = built.one(ROLE_COMPONENT)
        role = built.find_created("aws:iam/role:Role", f"{component.name}-role")
        assert role.parent == component.urn
        (trust,) = statements(role, "assumeRolePolicy")
        issuer = OIDC_URL.removeprefix("https://")
        assert trust["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer}"}
        assert trust["Condition"] == {
            "StringEquals": {
                f"{issuer}:sub": f"system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}",
                f"{issuer}:aud": "sts.amazonaws.com",
            }
        }

    def test_should_attach_the_vendored_policy_to_it(self):
        built = example_platform("prod")
        component = built.one(ROLE_COMPONENT)
        role = built.find_created("aws:iam/role:Role", f"{component.name}-role")
        policy = built.one("aws:iam/policy:Policy")
        assert json.loads(policy.inputs["policy"]) == json.loads(IAM_POLICY_FILE.read_text())
        (attachment,) = [
            a
            for a in built.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.inputs["policyArn"] == f"arn:aws:iam::{ACCOUNT_ID}:policy/{policy.name}"
        ]
        assert attachment.inputs["role"] == role.name
        assert policy.parent == role.urn and attachment.parent == role.urn
        assert built.registered_outputs[component.urn] == {"role_arn"}

    def test_should_hand_the_role_to_the_workloads_stage_once_attached(self):
        built = example_platform("prod")
        role = built.find_created("aws:iam/role:Role", f"{built.one(ROLE_COMPONENT).name}-role")
        inputs = from_output(built.outputs[WORKLOADS_OUTPUT], platform_stack="x")
        assert inputs.load_balancer_controller_role_arn == f"arn:aws:iam::{ACCOUNT_ID}:role/{role.name}"
        attachment = next(
            a for a in built.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if a.parent == role.urn
        )
        assert attachment.urn in built.output_dependencies[WORKLOADS_OUTPUT]


class TestRelease:
    """The controller's chart among the cluster add-ons, which the Airflow release waits for."""

    def test_should_install_no_controller_without_an_ingress(self):
        assert _controller_release(example_workloads("dev")) == []

    def test_should_install_the_pinned_chart_in_kube_system(self):
        built = example_workloads("prod")
        (release,) = _controller_release(built)
        inputs = release.inputs
        assert (inputs["version"], inputs["namespace"]) == (
            pin("aws-load-balancer-controller-chart").version,
            NAMESPACE,
        )
        assert inputs["repositoryOpts"]["repo"] == "https://aws.github.io/eks-charts"
        assert inputs["atomic"] is True
        assert release.parent == built.one("airflow-aws:cluster_addons:ClusterAddons").urn

    def test_should_give_it_the_cluster_region_vpc_role_and_cached_image(self):
        platform = example_platform("prod")
        (release,) = _controller_release(example_workloads("prod"))
        values = release.inputs["values"]
        inputs = from_output(platform.outputs[WORKLOADS_OUTPUT], platform_stack="x")
        assert (values["clusterName"], values["region"]) == ("airflow-prod", "eu-west-1")
        assert values["vpcId"] == platform.one("aws:ec2/vpc:Vpc").name + "-id"
        assert values["serviceAccount"] == {
            "create": True,
            "name": SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": inputs.load_balancer_controller_role_arn},
        }
        registry = ecr_registry(ACCOUNT_ID, "eu-west-1")
        assert values["image"] == {"repository": cached_repository(registry, *LOAD_BALANCER_CONTROLLER_IMAGE)}
