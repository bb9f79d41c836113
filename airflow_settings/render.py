"""Turn effective settings ({section: {key: value}}) into what each target consumes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_settings import SettingsError

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


@dataclass(frozen=True)
class SecretPrefixes:
    """Where the Secrets Manager backend looks up connections and variables: the names under these prefixes
    are what IAM lets Airflow read, so both come from one place (settings.yaml `secrets.backend_kwargs`)."""

    connections: str
    variables: str


def secret_prefixes(config: Config) -> SecretPrefixes:
    """The secrets backend prefixes of one target's effective settings (`Settings.for_target`)."""
    kwargs = config.get("secrets", {}).get("backend_kwargs") or {}
    missing = [key for key in ("connections_prefix", "variables_prefix") if not kwargs.get(key)]
    if missing:
        raise SettingsError(
            f"secrets.backend_kwargs lacks {', '.join(missing)}, which the AWS targets grant access to; "
            "fix: set both in airflow_settings/settings.yaml (shared, or under the target)"
        )
    return SecretPrefixes(connections=kwargs["connections_prefix"], variables=kwargs["variables_prefix"])


def stack_secret_prefixes(name_prefix: str) -> SecretPrefixes:
    """A deployed stack's own prefixes, `<namePrefix>/connections` and `<namePrefix>/variables`: stacks sharing an
    account (dev and prod) then never read each other's connections."""
    return SecretPrefixes(connections=f"{name_prefix}/connections", variables=f"{name_prefix}/variables")


def team_secret_prefixes(shared: SecretPrefixes, team: str) -> SecretPrefixes:
    """The team's own prefixes beside the shared ones: `<root>/teams/<team>/connections` for `<root>/connections`
    (airflow-prod/teams/analytics/connections), so a stack's team prefixes stay within the stack's."""
    return SecretPrefixes(
        connections=_team_prefix(shared.connections, team), variables=_team_prefix(shared.variables, team)
    )


def _team_prefix(prefix: str, team: str) -> str:
    root, _, leaf = prefix.rpartition("/")
    return f"{root}/teams/{team}/{leaf}" if root else f"teams/{team}/{leaf}"


def for_stack(config: Config, name_prefix: str) -> dict[str, Mapping[str, Any]]:
    """One target's effective settings (`Settings.for_target`) as the stack `name_prefix` runs them: its secrets
    backend reads under the stack's own prefixes (stack_secret_prefixes) instead of settings.yaml's shared
    default, which the local targets keep. The chart's config, MWAA's options and the IAM policies all derive
    from this (secret_prefixes reads it back), so they name the same secrets."""
    prefixes = stack_secret_prefixes(name_prefix)
    secrets = dict(config.get("secrets", {}))
    secrets["backend_kwargs"] = {
        **(secrets.get("backend_kwargs") or {}),
        "connections_prefix": prefixes.connections,
        "variables_prefix": prefixes.variables,
    }
    return {**config, "secrets": secrets}


def connection_env_name(conn_id: str) -> str:
    """The environment variable Airflow reads a connection from: `AIRFLOW_CONN_<ID>`."""
    return f"AIRFLOW_CONN_{conn_id.upper()}"
