"""Teams sharing one Airflow: what each needs of Airflow itself (queue, pools, UI role), the rules between them,
the secrets prefixes they read and the roster the platform plugin reads at run time.

Pure (pydantic, no Airflow import). Two places declare teams, with the same keys: settings.yaml `teams:` for the
local stacks, and a deployed stack's config `teams:` (infra/team_config.py), which adds what AWS needs (worker
set, data). Both are held to `roster_problems`, and both reach Airflow as `roster_config` (the plugin's
`[platform_teams] roster`), which the cluster policy (DAG-level access) and the sync command (roles, pools) read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

TEAM_NAME_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
TEAM_NAME_MAX = 20
"""Team names become Kubernetes names and labels (airflow-worker-<team>) and IAM role names: short DNS labels."""
QUEUE_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"
ROLE_PATTERN = r"^[A-Za-z][A-Za-z0-9 _-]{0,63}$"
POOL_PATTERN = r"^[a-z][a-z0-9_-]{0,49}$"

DEFAULT_QUEUE = "default"
"""The queue of the platform's shared workers (Airflow's `[operators] default_queue`): no team's own."""
DEFAULT_POOL = "default_pool"
BUILTIN_ROLES = ("Admin", "Op", "User", "Viewer", "Public")
"""The FAB auth manager's own roles: each reaches every DAG, so none can be a team's."""
TEAM_TAG_PREFIX = "team:"
"""A DAG names its team with exactly one tag `team:<name>`: visible and filterable in the UI."""
ROSTER_SECTION, ROSTER_KEY = "platform_teams", "roster"
"""Where the roster reaches Airflow (`AIRFLOW__PLATFORM_TEAMS__ROSTER`): a section of the platform's own."""


class Team(BaseModel):
    """One team, as Airflow sees it."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: Annotated[StrictStr, Field(pattern=TEAM_NAME_PATTERN, max_length=TEAM_NAME_MAX)]
    """Short name: lower-case letters, digits and single dashes, at most 20 characters. DAGs name it in the tag
    `team:<name>`."""
    queue: Annotated[StrictStr, Field(pattern=QUEUE_PATTERN)] | None = None
    """The Celery queue its tasks run on, served only by its own workers. Not `default` (the shared workers').
    Required on eks and in the local stacks; refused on mwaa, whose single worker fleet serves one queue."""
    pools: dict[Annotated[StrictStr, Field(pattern=POOL_PATTERN)], Annotated[StrictInt, Field(ge=1)]] = {}
    """Its pools, name -> slots, created at deploy time. Pool names are global: each belongs to one team. Defaults
    to none."""
    role: Annotated[StrictStr, Field(pattern=ROLE_PATTERN)]
    """The UI role (FAB) of its members: their DAG-level access is to the team's DAGs only. Not a built-in
    role (Admin, Op, User, Viewer, Public), which all see every DAG."""


def roster_problems(teams: Sequence[Team], *, key: str = "teams") -> list[str]:
    """The rules between teams, "key: problem; fix: ..." each: unique names, queues, roles and pools, none of them
    the platform's own. `key` is where the list lives (settings.yaml's or the stack config's `teams`)."""
    problems = []
    for field, values in (
        ("name", [team.name for team in teams]),
        ("queue", [team.queue for team in teams if team.queue]),
        ("role", [team.role for team in teams]),
        ("pools", [pool for team in teams for pool in team.pools]),
    ):
        if duplicates := sorted({value for value in values if values.count(value) > 1}):
            problems.append(
                f"{key}[].{field}: {duplicates} belong to more than one team; fix: give each team its own {field}"
            )
    for index, team in enumerate(teams):
        where = f"{key}[{index}]"
        if team.queue == DEFAULT_QUEUE:
            problems.append(
                f"{where}.queue: {DEFAULT_QUEUE!r} is the shared workers' queue, so the team's tasks would run there, "
                f"under the shared workers' identity; fix: name the team's own queue, e.g. {team.name}"
            )
        if DEFAULT_POOL in team.pools:
            problems.append(
                f"{where}.pools: {DEFAULT_POOL!r} is Airflow's shared pool; fix: name the team's own pool, "
                f"e.g. {team.name.replace('-', '_')}_default"
            )
        if team.role in BUILTIN_ROLES:
            problems.append(
                f"{where}.role: {team.role!r} is a built-in role that sees every DAG; fix: name the team's own role, "
                f"e.g. team-{team.name}"
            )
    return problems


def team_tag(team: str) -> str:
    return f"{TEAM_TAG_PREFIX}{team}"


def roster_value(teams: Sequence[Team]) -> str:
    """The `[platform_teams] roster` value: the teams as JSON, which the plugin reads (dataplatform.teams)."""
    return json.dumps([team.model_dump(mode="json") for team in teams], sort_keys=True, separators=(",", ":"))


def roster_config(teams: Sequence[Team]) -> dict[str, dict[str, str]]:
    """The roster as Airflow config (section -> key -> value), empty without teams."""
    return {ROSTER_SECTION: {ROSTER_KEY: roster_value(teams)}} if teams else {}
