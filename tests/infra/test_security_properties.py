"""Security properties that hold in every stack (dev, prod, mwaa), resource by resource."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from harness import Built, descends_from, statements

from infra.policies import ACCOUNT_LEVEL_ACTIONS

pytestmark = pytest.mark.infra
STACKS = ["dev_stack", "prod_stack", "mwaa_stack"]
INFRA_MODULES = {path.stem for path in (Path(__file__).resolve().parents[2] / "infra").glob("*.py")}


@pytest.fixture(params=STACKS)
def built(request: pytest.FixtureRequest) -> Built:
    return request.getfixturevalue(request.param)


class TestComponents:
    """Type tokens, names and parents (STYLE 2-4)."""

    def test_should_use_project_type_tokens(self, built: Built):
        for component in (r for r in built.resources if not r.custom and not r.type.startswith(("eks:", "pulumi:"))):
            match = re.fullmatch(r"airflow-aws:([a-z_]+):[A-Z][A-Za-z]+", component.type)
            assert match and match.group(1) in INFRA_MODULES, f"{component.urn}: bad type token {component.type}"

    def test_should_parent_every_resource_under_a_component(self, built: Built):
        ours = [r for r in built.resources if r.type.startswith("airflow-aws:")]
        orphans = [
            r.urn
            for r in built.resources
            if r not in ours and not any(descends_from(built, r, component.urn) for component in ours)
        ]
        assert not orphans, f"resources outside any component (parent= missing): {orphans}"

    def test_should_register_exactly_the_public_outputs(self, built: Built):
        for component in (r for r in built.resources if r.type.startswith("airflow-aws:")):
            _, module, class_name = component.type.split(":")
            declared = set(getattr(importlib.import_module(f"infra.{module}"), class_name).__annotations__)
            assert built.registered_outputs.get(component.urn) == declared, (
                f"{component.urn}: register_outputs {sorted(built.registered_outputs.get(component.urn, []))} "
                f"differs from the outputs it declares {sorted(declared)}"
            )

    def test_should_name_children_after_their_component(self, built: Built):
        for component in (r for r in built.resources if r.type.startswith("airflow-aws:")):
            for child in (r for r in built.resources if descends_from(built, r, component.urn)):
                assert child.name.startswith(component.name), f"{child.urn} is not named after {component.name}"


class TestBuckets:
    """S3 buckets: versioned, private, KMS-encrypted, TLS only."""

    def test_should_version_every_bucket(self, built: Built):
        versioning = built.of_type("aws:s3/bucketVersioning:BucketVersioning")
        assert len(versioning) == len(built.of_type("aws:s3/bucket:Bucket")) == 2
        assert {v.inputs["versioningConfiguration"]["status"] for v in versioning} == {"Enabled"}

    def test_should_block_all_public_access(self, built: Built):
        for block in built.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"):
            flags = [
                block.inputs[key]
                for key in (
                    "blockPublicAcls",
                    "blockPublicPolicy",
                    "ignorePublicAcls",
                    "restrictPublicBuckets",
                )
            ]
            assert flags == [True] * 4, f"{block.urn} leaves public access open"

    def test_should_encrypt_with_the_platform_key(self, built: Built):
        key_arn = built.one("aws:kms/key:Key")
        for sse in built.of_type(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        ):
            default = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
            assert default["sseAlgorithm"] == "aws:kms", f"{sse.urn} is not SSE-KMS"
            assert default["kmsMasterKeyId"].endswith(f"key/{key_arn.name}")

    def test_should_deny_requests_without_tls(self, built: Built):
        policies = built.of_type("aws:s3/bucketPolicy:BucketPolicy")
        assert len(policies) == 2
        for policy in policies:
            (deny,) = statements(policy)
            assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


class TestKeyAndSecrets:
    """KMS key rotation and Secrets Manager encryption."""

    def test_should_rotate_the_key(self, built: Built):
        assert built.one("aws:kms/key:Key").inputs["enableKeyRotation"] is True

    def test_should_encrypt_every_secret_with_the_key(self, built: Built):
        for secret in built.of_type("aws:secretsmanager/secret:Secret"):
            assert secret.inputs["kmsKeyId"].startswith("arn:aws:kms:"), f"{secret.urn} uses the default key"

    def test_should_mark_every_secret_value_secret(self, built: Built):
        for version in built.of_type("aws:secretsmanager/secretVersion:SecretVersion"):
            assert "secretString" in version.secret_paths, f"{version.urn} stores a plain-text value"

    def test_should_keep_airflow_secrets_out_of_the_backend_prefixes(self, built: Built):
        for secret in built.of_type("aws:secretsmanager/secret:Secret"):
            assert not secret.inputs["name"].startswith("airflow/"), (
                f"{secret.urn}: infrastructure secrets under airflow/ would be readable through the backend"
            )


class TestNetworkExposure:
    """No security group admits the Internet."""

    def test_should_not_open_any_ingress_to_the_internet(self, built: Built):
        for group in built.of_type("aws:ec2/securityGroup:SecurityGroup"):
            for rule in group.inputs.get("ingress", []):
                assert "0.0.0.0/0" not in rule.get("cidrBlocks", []), f"{group.urn} exposes {rule} to the Internet"


class TestIamPolicies:
    """Role policies: no wildcard actions, resources scoped."""

    def test_should_not_use_wildcard_actions(self, built: Built):
        for policy in built.of_type("aws:iam/rolePolicy:RolePolicy"):
            for statement in statements(policy):
                wild = [action for action in statement["Action"] if "*" in action]
                assert not wild, f"{policy.urn} grants wildcard actions {wild}"

    def test_should_scope_resources(self, built: Built):
        for policy in built.of_type("aws:iam/rolePolicy:RolePolicy"):
            for statement in statements(policy):
                if "*" in statement["Resource"]:
                    assert set(statement["Action"]) <= set(ACCOUNT_LEVEL_ACTIONS), (
                        f"{policy.urn}: {statement['Action']} on '*' is not a declared account-level action"
                    )
