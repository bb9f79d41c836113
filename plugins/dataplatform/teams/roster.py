"""The team roster as Airflow receives it: `[platform_teams] roster`, JSON written by the deployment
(airflow_settings/teams.py `roster_value`: the local settings or the stack's `teams:`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

ROSTER_SECTION, ROSTER_KEY = "platform_teams", "roster"
"""Where the deployment writes the roster (airflow_settings.teams writes the same names; a test holds them equal)."""
TEAM_TAG_PREFIX = "team:"
"""A DAG names its team with one tag `team:<name>`."""


@dataclass(frozen=True)
class RosterTeam:
    name: str
    role: str
    """Its UI role."""
    queue: str | None = None
    pools: Mapping[str, int] = field(default_factory=dict)


def read_roster(text: str | None = None) -> dict[str, RosterTeam]:
    """Team name -> team, from `text` or else the config; empty when the deployment declares no teams."""
    # Imported here: Airflow imports this module while it initializes (airflow_local_settings, the cluster policy).
    from airflow.configuration import conf

    raw = conf.get(ROSTER_SECTION, ROSTER_KEY, fallback="") if text is None else text
    return {entry["name"]: RosterTeam(**entry) for entry in json.loads(raw or "[]")}


def team_of(tags: object) -> str | None:
    """The team a DAG's tags name, or None unless exactly one `team:<name>` tag is there."""
    teams = [tag.removeprefix(TEAM_TAG_PREFIX) for tag in tags or () if str(tag).startswith(TEAM_TAG_PREFIX)]
    return teams[0] if len(teams) == 1 else None
