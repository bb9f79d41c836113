"""The program: read the stack config once, validate it, then build the EKS (`eks_platform.py`) or MWAA
(`mwaa_platform.py`) platform from components.

`run()` is what `__main__.py` calls; tests call it under Pulumi's mock runtime with `set_all_config`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from airflow_settings import Settings, load_settings
from airflow_settings.render import for_stack
from infra.config import CONFIG_NAMESPACE, StackConfig, StackConfigError
from infra.config_rules import EnvironmentTag, usable_zones, zone_problems
from infra.eks_platform import build_eks
from infra.mwaa_platform import build_mwaa
from policy.airflow_aws_policies import ENVIRONMENT_TAG, PRODUCTION_ENVIRONMENTS


def read_stack_config(settings: Settings) -> StackConfig:
    """The one place that reads Pulumi config: every `airflow-aws:*` key (unknown ones are refused)."""
    everything = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return stack_config_from(everything, stack=pulumi.get_stack(), settings=settings)


def stack_config_from(config: Mapping[str, Any], *, stack: str, settings: Settings) -> StackConfig:
    """The stack's typed config from its whole Pulumi config (`namespace:key` -> value, structured values
    JSON-encoded as the engine hands them over): our `airflow-aws:*` keys, `aws:region`, and the tag of
    `aws:defaultTags` the policy pack picks its production rules by."""
    raw = {
        key.split(":", 1)[1]: _decode(value) for key, value in config.items() if key.startswith(f"{CONFIG_NAMESPACE}:")
    }
    tag = ((_decode(config.get("aws:defaultTags")) or {}).get("tags") or {}).get(ENVIRONMENT_TAG)
    return StackConfig.from_raw(
        raw,
        region=config.get("aws:region"),
        stack=stack,
        settings=settings,
        environment_tag=EnvironmentTag(
            name=ENVIRONMENT_TAG,
            value=tag,
            production=tag is None or tag.lower() in PRODUCTION_ENVIRONMENTS,
        ),
    )


def _decode(value: Any) -> Any:
    """Structured config arrives JSON-encoded; plain strings stay strings."""
    if isinstance(value, str) and value.startswith(("{", "[")):
        return json.loads(value)
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


def run() -> dict[str, Any]:
    """Validate, build and export. Raises StackConfigError before any resource when the config is wrong."""
    settings = load_settings()
    config = read_stack_config(settings)
    # Local and Wavelength Zones (opt-in) host neither RDS, ElastiCache nor MWAA: regular zones only.
    available = aws.get_availability_zones(
        state="available",
        filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
    )
    # EKS places no control plane in a few zones (config_rules.EKS_REFUSED_ZONE_IDS): eks stacks skip them.
    zones = usable_zones(available.names, available.zone_ids, target=config.target)
    if problems := zone_problems(zones, config.network, config.region):
        raise StackConfigError("\n".join(f"{CONFIG_NAMESPACE}:{problem}" for problem in problems))
    account_id = aws.get_caller_identity().account_id
    airflow = for_stack(settings.for_target(config.target), config.name_prefix)
    build = build_eks if config.target == "eks" else build_mwaa
    outputs = build(config, airflow, zones, account_id)
    for name, value in outputs.items():
        pulumi.export(name, value)
    return outputs
