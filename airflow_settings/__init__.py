"""The one source of Airflow settings, loaded, validated and resolved per target.

    from airflow_settings import load_settings
    config = load_settings().for_target("compose")   # {"core": {"executor": "CeleryExecutor", ...}, ...}

render.py turns that into environment variables, Helm `config:` or MWAA options, and reads the secrets
backend prefixes the AWS targets grant access to; git_bundle.py is the GitDagBundle entry and its connection,
for every target that clones DAGs with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from airflow_settings.model import TARGETS, AirflowConfig, SettingsFile, Target
from airflow_settings.teams import Team, roster_problems

SETTINGS_FILE = Path(__file__).with_name("settings.yaml")

__all__ = ["SETTINGS_FILE", "TARGETS", "Settings", "SettingsError", "load_settings"]


class SettingsError(ValueError):
    """settings.yaml is unreadable or breaks the model; the message names every offending key."""


@dataclass(frozen=True)
class Settings:
    shared: AirflowConfig
    overrides: dict[Target, AirflowConfig]
    teams: tuple[Team, ...] = ()
    """The local stacks' teams (settings.yaml `teams:`), held to airflow_settings.teams.roster_problems."""

    def for_target(self, target: Target) -> dict[str, dict[str, Any]]:
        """Effective settings for one target: shared values with that target's overrides on top."""
        if target not in TARGETS:
            raise SettingsError(f"unknown target {target!r}: choose one of {', '.join(TARGETS)}")
        merged = _as_dict(self.shared)
        for section, options in _as_dict(self.overrides[target]).items():
            merged.setdefault(section, {}).update(options)
        return {section: options for section, options in merged.items() if options}

    def target_specific_keys(self) -> set[tuple[str, str]]:
        """(section, key) pairs that some target overrides: the declared, allowed differences."""
        return {
            (section, key)
            for override in self.overrides.values()
            for section, options in _as_dict(override).items()
            for key in options
        }


def _as_dict(config: AirflowConfig) -> dict[str, dict[str, Any]]:
    return config.model_dump(exclude_none=True)


def load_settings(path: Path = SETTINGS_FILE) -> Settings:
    """Read and validate the settings file; raise SettingsError naming each bad key and the fix."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise SettingsError(f"{path}: cannot read settings: {err}") from err
    try:
        parsed = SettingsFile.model_validate(raw)
    except ValidationError as err:
        raise SettingsError(_explain(path, err)) from None
    problems = roster_problems(parsed.teams) + [
        f"teams[{index}].queue: missing; fix: name the queue the team's local worker serves, e.g. {team.name}"
        for index, team in enumerate(parsed.teams)
        if team.queue is None
    ]
    if problems:
        raise SettingsError("\n".join([f"{path}: {len(problems)} invalid team setting(s):", *problems]))
    return Settings(
        shared=parsed.airflow,
        overrides={target: getattr(parsed.targets, target) for target in TARGETS},
        teams=tuple(parsed.teams),
    )


def _explain(path: Path, err: ValidationError) -> str:
    lines = [f"{path}: {err.error_count()} invalid setting(s):"]
    for problem in err.errors():
        where = ".".join(str(part) for part in problem["loc"])
        if problem["type"] == "extra_forbidden":
            lines.append(
                f"  {where}: unknown key. Fix: check the spelling against Airflow's configuration "
                "reference, or declare the key with its type in airflow_settings/model.py."
            )
        else:
            lines.append(
                f"  {where}: {problem['msg']} (got {problem.get('input')!r}). "
                f"Fix: give {where} a value of the right type."
            )
    return "\n".join(lines)
