"""Turn effective settings ({section: {key: value}}) into what each target consumes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Config = Mapping[str, Mapping[str, Any]]


def to_airflow_string(value: Any) -> str:
    """Airflow reads every option as a string: booleans as True/False, mappings as JSON."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True)
    return str(value)


def as_env(config: Config) -> dict[str, str]:
    """`AIRFLOW__SECTION__KEY` variables, the form compose, the image and the native stack read."""
    return {
        f"AIRFLOW__{section.upper()}__{key.upper()}": to_airflow_string(value)
        for section, options in config.items()
        for key, value in options.items()
    }


def as_helm_config(config: Config) -> dict[str, dict[str, str]]:
    """The official chart's `config:` value, which it writes into airflow.cfg."""
    return {
        section: {key: to_airflow_string(value) for key, value in options.items()}
        for section, options in config.items()
        if options
    }


def as_mwaa_options(config: Config) -> dict[str, str]:
    """MWAA `airflow_configuration_options`: flat `section.key` names."""
    return {
        f"{section}.{key}": to_airflow_string(value)
        for section, options in config.items()
        for key, value in options.items()
    }
