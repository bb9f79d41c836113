"""The two rule shapes of the pack, and the property helpers every rule shares.

A rule is a generator of violation messages over one resource (`AwsResourcePolicy`) or over the
whole stack (`AwsStackPolicy`); the classes turn it into a pulumi-policy policy and remember which
resource types it covers, so the coverage test can hold the programs to "no type without a rule".

Property names are the engine's wire names (camelCase), the same in `pulumi preview`, in
`pulumi up` and in the mock runtime's recorded inputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

# How a rule knows it is looking at production: the `environment` tag, read from the resource's own
# tags, its `tagsAll`, or its provider's `defaultTags` (the infra programs tag through the provider).
# Fail-safe: a resource with no `environment` tag at all is held to the production rules, so dropping
# the tag can never weaken a check; only an explicit non-production value relaxes them.
ENVIRONMENT_TAG = "environment"
PRODUCTION_ENVIRONMENTS = frozenset({"prod", "production"})

ResourceCheck = Callable[[ResourceValidationArgs], Iterable[str]]
StackCheck = Callable[[StackValidationArgs], Iterable[tuple[str, str | None]]]


class _Rule:
    """What both rule shapes keep beside pulumi-policy's fields: the types they inspect and their check."""

    def __init__(
        self,
        name: str,
        description: str,
        resource_types: Iterable[str],
        check: ResourceCheck | StackCheck,
        enforcement_level: EnforcementLevel,
        remediation_steps: str,
    ) -> None:
        self.resource_types = frozenset(resource_types)
        self.check = check
        super().__init__(
            name=name,
            description=description,
            validate=self._report,
            enforcement_level=enforcement_level,
            remediation_steps=remediation_steps,
        )


class AwsResourcePolicy(_Rule, ResourceValidationPolicy):
    """A per-resource rule: `check(args)` yields one message per violation."""

    def _report(self, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type in self.resource_types:
            for message in self.check(args):
                report_violation(message, None)


class AwsStackPolicy(_Rule, StackValidationPolicy):
    """A rule that needs several resources at once (a bucket and its versioning resource):
    `check(args)` yields `(message, urn)` per violation."""

    def _report(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for message, urn in self.check(args):
            report_violation(message, urn)


def prop(props: Mapping[str, Any], *path: str | int, default: Any = None) -> Any:
    """`props[a][b][0]…`, or `default` where any step is missing."""
    value: Any = props
    for key in path:
        if isinstance(key, int):
            if not is_list(value) or len(value) <= key:
                return default
            value = value[key]
        else:
            if not isinstance(value, Mapping) or key not in value:
                return default
            value = value[key]
    return default if value is None else value


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def as_list(value: Any) -> list[Any]:
    """IAM and the AWS APIs take "a value or a list of values" in many places."""
    if value is None:
        return []
    return list(value) if is_list(value) else [value]


def truthy(value: Any) -> bool:
    """Booleans arrive as bools, and from some older schemas as "true"/"false" strings."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A JSON document given as a string (IAM policies, provider config) or as a mapping."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, Mapping) else {}
    return {}


def tags_of(props: Mapping[str, Any], provider_props: Mapping[str, Any] | None) -> dict[str, Any]:
    """Effective tags: provider default tags, overridden by `tagsAll`, overridden by the resource's own."""
    tags: dict[str, Any] = {}
    default_tags = as_mapping((provider_props or {}).get("defaultTags"))
    tags.update(as_mapping(default_tags.get("tags")))
    for key in ("tagsAll", "tags"):
        tags.update(as_mapping(props.get(key)))
    return tags


def environment_of(props: Mapping[str, Any], provider_props: Mapping[str, Any] | None) -> str | None:
    value = tags_of(props, provider_props).get(ENVIRONMENT_TAG)
    return str(value).lower() if value else None


def is_production(args: ResourceValidationArgs | PolicyResource) -> bool:
    provider_props = args.provider.props if args.provider is not None else None
    environment = environment_of(args.props, provider_props)
    return environment is None or environment in PRODUCTION_ENVIRONMENTS


def label(resource: ResourceValidationArgs | PolicyResource) -> str:
    """How a message names a resource: its type's last segment and its logical name."""
    return f"{resource.resource_type.rsplit(':', 1)[-1]} '{resource.name}'"


def of_type(resources: Iterable[PolicyResource], resource_type: str) -> Iterator[PolicyResource]:
    return (r for r in resources if r.resource_type == resource_type)


def identifiers(resource: PolicyResource, keys: Sequence[str]) -> set[str]:
    """The values other resources use to point at `resource` (its id, name or ARN outputs)."""
    return {str(v) for key in keys if isinstance(v := _known(resource.props, key), str) and v}


def attached(
    target: PolicyResource, children: Iterable[PolicyResource], link: str, target_keys: Sequence[str]
) -> list[PolicyResource]:
    """Children that point at `target` through their `link` property.

    The engine records the dependency (`property_dependencies`), which also works in preview when
    names are still unknown; otherwise the link is matched by value against the target's outputs.
    """
    found = []
    ids = identifiers(target, target_keys)
    for child in children:
        deps = child.property_dependencies.get(link) or []
        if any(dep.urn == target.urn for dep in deps) or _known(child.props, link) in ids:
            found.append(child)
    return found


def _known(props: Mapping[str, Any], key: str) -> Any:
    """`props[key]`, or None while preview can't know it yet."""
    try:
        return props.get(key)
    except UnknownValueError:
        return None
