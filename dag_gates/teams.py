"""The team gate: on a platform with teams, a DAG names its team and runs on its team's queue and pools only.

The roster comes from the platform's team declaration, a YAML file holding `teams:` (the platform's
airflow_settings/settings.yaml) or a Pulumi stack file holding `config: airflow-aws:teams:`; each entry has a
`name`, a `queue` (none on MWAA: its tasks stay on the default queue) and `pools` (name -> slots). Without teams
the gate asks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dag_gates.gates import Violation, dag_definition_line, relative

TEAM_TAG_PREFIX = "team:"
DEFAULT_QUEUE = "default"
"""The queue Airflow gives a task that names none (`[operators] default_queue`), served by the shared workers."""
DEFAULT_POOL = "default_pool"
"""Airflow's shared pool, which every task without a pool uses: no team's own, so open to every team."""
STACK_TEAMS_KEY = "airflow-aws:teams"


@dataclass(frozen=True)
class RosterTeam:
    name: str
    queue: str | None = None
    pools: frozenset[str] = field(default_factory=frozenset)

    @property
    def task_queue(self) -> str:
        """The queue its tasks must name: its own, or the default one where the platform gives it none."""
        return self.queue or DEFAULT_QUEUE


class RosterError(ValueError):
    """The roster file is unreadable or holds no team list; the message names the file and the fix."""


def read_roster(path: Path) -> dict[str, RosterTeam]:
    """Team name -> team, from settings.yaml's `teams:` or a stack file's `config: airflow-aws:teams:`."""
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise RosterError(f"{path}: cannot read the teams: {err}") from err
    entries = data.get("teams") if "teams" in data else (data.get("config") or {}).get(STACK_TEAMS_KEY)
    if not isinstance(entries, list):
        raise RosterError(
            f"{path}: holds no `teams:` list (settings.yaml) nor `config: {STACK_TEAMS_KEY}:` (a stack file); fix: "
            "pass the platform's team declaration"
        )
    return {
        entry["name"]: RosterTeam(entry["name"], entry.get("queue"), frozenset(entry.get("pools") or {}))
        for entry in entries
    }


def team_violations(dag, root: Path, roster: dict[str, RosterTeam]) -> list[Violation]:
    """The DAG's team tag, then each task's queue and pool against its team's."""
    if not roster:
        return []
    file = relative(dag.fileloc, root)
    path = Path(dag.fileloc)
    tagged = sorted(tag.removeprefix(TEAM_TAG_PREFIX) for tag in dag.tags or () if tag.startswith(TEAM_TAG_PREFIX))
    names = ", ".join(sorted(roster))
    if len(tagged) != 1 or tagged[0] not in roster:
        found = f"tags {[TEAM_TAG_PREFIX + t for t in tagged]}" if tagged else "no team tag"
        return [
            Violation(
                file,
                dag_definition_line(path, dag.dag_id),
                "team",
                f"DAG {dag.dag_id!r}: must name exactly one team of the platform ({names}), has {found}",
                f"add one tag 'team:<name>', e.g. tags=[..., '{TEAM_TAG_PREFIX}{sorted(roster)[0]}']",
            )
        ]
    team = roster[tagged[0]]
    violations = []
    for task in dag.tasks:
        line = dag_definition_line(path, task.task_id)
        if task.queue != team.task_queue:
            violations.append(
                Violation(
                    file,
                    line,
                    "team-queue",
                    f"DAG {dag.dag_id!r}: task {task.task_id!r} runs on queue {task.queue!r}, not team "
                    f"{team.name!r}'s {team.task_queue!r}",
                    f"set default_args={{'queue': '{team.task_queue}'}} on the DAG, and no other queue on its tasks",
                )
            )
        if task.pool != DEFAULT_POOL and task.pool not in team.pools:
            own = ", ".join(sorted(team.pools)) or "none"
            violations.append(
                Violation(
                    file,
                    line,
                    "team-pool",
                    f"DAG {dag.dag_id!r}: task {task.task_id!r} uses pool {task.pool!r}, which is not team "
                    f"{team.name!r}'s (its pools: {own})",
                    f"use one of the team's pools or {DEFAULT_POOL!r}, or declare the pool under the team",
                )
            )
    return violations
