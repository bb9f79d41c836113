"""The ECR pull-through cache (infra/image_mirror.py) in the platform stage, the nodes' right to fill it, and the
Docker Hub credentials it needs (looked up by name, never created by the stack)."""

from __future__ import annotations

import pulumi
import pytest

from infra.chart_images import CHART_IMAGES, DOCKER_HUB_CREDENTIALS_SECRET, UPSTREAMS
from tests.infra.creation_order import assert_waits_for
from tests.infra.example_stacks import example_platform
from tests.infra.harness import (
    ACCOUNT_ID,
    DOCKER_HUB_SECRET_ARN,
    Built,
    PlatformMocks,
    build_stack,
    descends_from,
    stack_config,
    statements,
)

pytestmark = pytest.mark.infra

RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
PREFIXES = {"dev": {"docker-hub", "quay", "k8s"}, "prod": {"docker-hub", "quay", "k8s", "ecr-public"}}
"""The chart's upstreams in every stack; ECR Public for the load balancer controller's image only with an
ingress (prod)."""


def _mirror(built: Built):
    return built.one("airflow-aws:image_mirror:ImageMirror")


def _node_policy(built: Built):
    (policy,) = [p for p in built.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith("-node-policy")]
    return policy


@pytest.mark.parametrize("stack", ["dev", "prod"])
class TestCacheRules:
    """A rule per upstream registry the stack's images come from, each filling immutable repositories."""

    def test_should_cache_exactly_the_upstreams_in_use(self, stack: str):
        built = example_platform(stack)
        rules = built.of_type(RULE)
        assert {r.inputs["ecrRepositoryPrefix"] for r in rules} == PREFIXES[stack]
        assert {r.inputs["upstreamRegistryUrl"] for r in rules} == {
            UPSTREAMS[prefix].registry_url for prefix in PREFIXES[stack]
        }
        assert {image.upstream for image in CHART_IMAGES} <= PREFIXES[stack]

    def test_should_sign_in_to_docker_hub_only_with_the_operators_secret(self, stack: str):
        credentials = {
            r.inputs["ecrRepositoryPrefix"]: r.inputs.get("credentialArn")
            for r in example_platform(stack).of_type(RULE)
        }
        assert credentials.pop("docker-hub") == DOCKER_HUB_SECRET_ARN
        assert set(credentials.values()) == {None}

    def test_should_make_every_cached_repository_immutable(self, stack: str):
        built = example_platform(stack)
        templates = {t.inputs["prefix"]: t.inputs for t in built.of_type(TEMPLATE)}
        assert set(templates) == PREFIXES[stack]
        for template in templates.values():
            assert template["appliedFors"] == ["PULL_THROUGH_CACHE"]
            assert template["imageTagMutability"] == "IMMUTABLE"
            # No customer key: with one, ECR would need a custom role to create the repositories.
            assert template["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
            assert "customRoleArn" not in template

    def test_should_parent_every_rule_and_template_to_the_mirror(self, stack: str):
        built = example_platform(stack)
        mirror = _mirror(built)
        assert all(rule.parent == mirror.urn for rule in built.of_type(RULE))
        assert all(descends_from(built, template, mirror.urn) for template in built.of_type(TEMPLATE))
        assert built.registered_outputs[mirror.urn] == {"prefixes"}

    def test_should_let_nodes_import_into_the_mirror_prefixes_only(self, stack: str):
        built = example_platform(stack)
        node_role = next(r for r in built.of_type("aws:iam/role:Role") if r.name.endswith("-node-role"))
        policy = _node_policy(built)
        assert policy.parent == node_role.urn
        (statement,) = statements(policy)
        assert statement["Effect"] == "Allow"
        assert sorted(statement["Action"]) == ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
        assert sorted(statement["Resource"]) == sorted(
            f"arn:aws:ecr:eu-west-1:{ACCOUNT_ID}:repository/{prefix}/*" for prefix in PREFIXES[stack]
        )

    def test_should_boot_nodes_only_with_the_import_right(self, stack: str):
        built = example_platform(stack)
        for group in built.of_type("eks:index:ManagedNodeGroup"):
            assert_waits_for(built, group, _node_policy(built))


class TestDockerHubCredentials:
    """The operator creates the secret once per account and region; the stack only looks it up by name."""

    def test_should_look_the_secret_up_by_its_exact_name(self):
        built = example_platform("dev")
        (lookup,) = [
            args
            for token, args in zip(built.invokes, built.invoke_args, strict=True)
            if token == "aws:secretsmanager/getSecrets:getSecrets"
        ]
        assert lookup["filters"] == [{"name": "name", "values": [DOCKER_HUB_CREDENTIALS_SECRET]}]
        assert not [s for s in built.of_type("aws:secretsmanager/secret:Secret") if "pullthroughcache" in s.name]

    def test_should_refuse_an_account_without_it_before_any_resource(self):
        built = Built()
        with pytest.raises(
            pulumi.RunError,
            match=rf"Secrets Manager in eu-west-1 has no secret {DOCKER_HUB_CREDENTIALS_SECRET}: .*fix: create it "
            rf"once per account and region .*`aws secretsmanager create-secret --region eu-west-1 --name "
            rf"{DOCKER_HUB_CREDENTIALS_SECRET} ",
        ):
            build_stack(
                "dev",
                stack_config("dev"),
                built,
                mocks=lambda recording: PlatformMocks(recording, docker_hub_secret=False),
            )
        assert built.resources == []
