"""Structural and security properties that hold in every stack (dev, prod, mwaa), resource by resource.

The security rules a policy pack can check (encryption, public access, wildcard actions, ...) are the pack's:
tests/policy/test_example_stacks.py runs it on these stacks. What stays here is what the pack does not see:
how components are built, how secrets flow, and what the IAM documents may put on "*".
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from infra.iam_documents import ACCOUNT_LEVEL_ACTIONS
from tests.infra.harness import Built, descends_from, statements

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


class TestSecrets:
    """Generated values stay secret, and out of reach of the secrets backend."""

    def test_should_mark_every_secret_value_secret(self, built: Built):
        for version in built.of_type("aws:secretsmanager/secretVersion:SecretVersion"):
            assert "secretString" in version.secret_paths, f"{version.urn} stores a plain-text value"

    def test_should_keep_airflow_secrets_out_of_the_backend_prefixes(self, built: Built):
        prefixes = (built.outputs["connectionsPrefix"], built.outputs["variablesPrefix"])
        for secret in built.of_type("aws:secretsmanager/secret:Secret"):
            assert not secret.inputs["name"].startswith(prefixes), (
                f"{secret.urn}: infrastructure secrets under {prefixes} would be readable through the backend"
            )


class TestIamPolicies:
    """Role policies: resources scoped."""

    def test_should_scope_resources(self, built: Built):
        for policy in built.of_type("aws:iam/rolePolicy:RolePolicy"):
            for statement in statements(policy):
                if "*" in statement["Resource"]:
                    assert set(statement["Action"]) <= set(ACCOUNT_LEVEL_ACTIONS), (
                        f"{policy.urn}: {statement['Action']} on '*' is not a declared account-level action"
                    )
