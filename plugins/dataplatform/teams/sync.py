"""`python -m dataplatform.teams sync`: create or complete each team's UI role and pools from the roster.

Run once per deploy after the migrations (the chart's create-user Job on EKS, the native stack's start), and
before the dag-processor serializes a team's DAG: FAB refuses an access_control naming a role that does not
exist. Idempotent: a role keeps permissions it already has, a pool gets the roster's slots.
"""

from __future__ import annotations

from collections.abc import Mapping

from dataplatform.teams.roles import team_role_permissions
from dataplatform.teams.roster import RosterTeam


def sync_roles(roster: Mapping[str, RosterTeam]) -> None:
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    permissions = team_role_permissions()
    with get_application_builder() as appbuilder:
        appbuilder.sm.bulk_sync_roles([{"role": team.role, "perms": permissions} for team in roster.values()])


def sync_pools(roster: Mapping[str, RosterTeam]) -> None:
    from airflow.models.pool import Pool

    for team in roster.values():
        for pool, slots in team.pools.items():
            Pool.create_or_update_pool(pool, slots, f"team {team.name}", include_deferred=False)
