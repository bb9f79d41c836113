"""Build the argument objects the Pulumi engine hands to a policy, and collect what a policy reports.

The validators run in-process on pulumi-policy's own `ResourceValidationArgs`/`StackValidationArgs`,
exactly as the pack's analyzer server builds them, so a test exercises the same code the CLI runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

from policy.airflow_aws_policies import POLICIES, AwsResourcePolicy, AwsStackPolicy

BY_NAME = {policy.name: policy for policy in POLICIES}


def urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:test::airflow-aws::{resource_type}::{name}"


def _options(ignore_changes: list[str] | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=list(ignore_changes or []),
        delete_before_replace=None,
        aliases=[],
        additional_secret_outputs=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        parent=None,
    )


def provider(props: Mapping[str, Any]) -> PolicyProviderResource:
    return PolicyProviderResource(
        "pulumi:providers:aws", dict(props), urn("pulumi:providers:aws", "default"), "default"
    )


def resource_args(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str = "subject",
    provider_props: Mapping[str, Any] | None = None,
) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        resource_type,
        dict(props),
        urn(resource_type, name),
        name,
        _options(),
        provider(provider_props) if provider_props is not None else None,
    )


def stack_resource(
    resource_type: str,
    name: str,
    props: Mapping[str, Any],
    provider_props: Mapping[str, Any] | None = None,
    ignore_changes: list[str] | None = None,
) -> PolicyResource:
    return PolicyResource(
        resource_type,
        dict(props),
        urn(resource_type, name),
        name,
        _options(ignore_changes),
        provider(provider_props) if provider_props is not None else None,
        None,
        [],
        {},
    )


def stack_args(resources: list[PolicyResource]) -> StackValidationArgs:
    return StackValidationArgs(resources)


def reported(
    policy: AwsResourcePolicy | AwsStackPolicy, args: ResourceValidationArgs | StackValidationArgs
) -> list[str]:
    """Every message the policy reports for `args`, through the pack's own `validate` entry point."""
    messages: list[str] = []
    policy.validate(args, lambda message, urn=None: messages.append(message))
    return messages
