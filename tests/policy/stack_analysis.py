"""The whole pack over a stack built under the mocks, as the engine would run it.

The pack sees what the engine would hand it: each resource's inputs for the per-resource rules, and its outputs
(inputs plus what the mocks compute) for the stack rules; AWS resources get the default provider, configured
from the stack's `aws:*` keys as the engine does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
from pulumi_policy import EnforcementLevel, PolicyResource

from policy.airflow_aws_policies import POLICIES, AwsResourcePolicy
from tests.infra.harness import Built, PlatformMocks
from tests.policy.policy_args import resource_args, stack_args, stack_resource


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    message: str


def _default_provider(config: dict) -> dict:
    """The default aws provider's inputs: the stack's `aws:*` config, objects JSON-encoded like the engine."""
    return {
        key.split(":", 1)[1]: value if isinstance(value, str) else json.dumps(value)
        for key, value in config.items()
        if key.startswith("aws:")
    }


def outputs_of(resource) -> dict:
    """What the engine would hand a stack rule for `resource`: its inputs plus the mocks' computed outputs."""
    resource_id, state = PlatformMocks(Built()).new_resource(
        pulumi.runtime.MockResourceArgs(resource.type, resource.name, resource.inputs)
    )
    return {**state, "id": resource_id}


def analyze(built: Built) -> list[Violation]:
    """Every finding of every rule of the pack on `built`."""
    provider = _default_provider(built.config)
    found: list[Violation] = []

    def report(policy, message, _urn=None):
        found.append(Violation(policy.name, policy.enforcement_level.value, message))

    resources: list[PolicyResource] = []
    for resource in built.resources:
        provider_props = provider if resource.type.startswith("aws:") else None
        args = resource_args(resource.type, resource.inputs, name=resource.name, provider_props=provider_props)
        resources.append(
            stack_resource(
                resource.type, resource.name, outputs_of(resource), provider_props, list(resource.ignore_changes)
            )
        )
        for policy in POLICIES:
            if isinstance(policy, AwsResourcePolicy):
                policy.validate(args, lambda message, urn=None, policy=policy: report(policy, message))
    for policy in POLICIES:
        if not isinstance(policy, AwsResourcePolicy):
            policy.validate(stack_args(resources), lambda message, urn=None, policy=policy: report(policy, message))
    return found


def mandatory_violations(built: Built) -> list[str]:
    """Every mandatory finding of the pack on `built`, as "<rule>: <message>"."""
    return [f"{v.policy}: {v.message}" for v in analyze(built) if v.level == EnforcementLevel.MANDATORY.value]
