"""The cluster policy that gives each DAG its team's access: FAB DAG-level permissions through `access_control`.

Airflow 3 with the FAB auth manager syncs a DAG's `access_control` into the permissions of the roles it names
each time the dag-processor serializes the DAG (`sync_perm_for_dag`): so setting it here, from the DAG's
`team:<name>` tag, grants the team's role read, edit and delete on that DAG alone and revokes what any other
non-Admin role held on it. A DAG of no known team gets no DAG-level grant, so no team role sees it (Admin and the
built-in roles, which hold DAG permissions globally, see every DAG). The DAG's own access_control is replaced:
which team reaches a DAG is the platform's rule, not the DAG author's.
https://airflow.apache.org/docs/apache-airflow-providers-fab/stable/auth-manager/access-control.html
"""

from __future__ import annotations

from typing import Any

from dataplatform.teams.roster import read_roster, team_of

DAG_ACCESS = {"DAGs": {"can_read", "can_edit", "can_delete"}}
"""What a team's role may do with its own DAGs: see them, their runs, tasks and logs (read), trigger, clear and
pause them (edit), delete them. The matching global rights on runs, tasks and logs are in the role itself
(roles.team_role_permissions), which FAB checks together with these."""


def team_access_control(tags: Any, roster_text: str | None = None) -> dict[str, dict[str, set[str]]] | None:
    """The access_control of a DAG with `tags`: its team's role, or None for a DAG of no known team."""
    team = read_roster(roster_text).get(team_of(tags) or "")
    return None if team is None else {team.role: {key: set(actions) for key, actions in DAG_ACCESS.items()}}


def dag_policy(dag: Any) -> None:
    """Airflow's `dag_policy` hook (plugins/airflow_local_settings.py registers it)."""
    access = team_access_control(dag.tags)
    if access is not None:
        dag.access_control = access
