"""A team's UI role: what the built-in User role may do, but on its team's DAGs only.

FAB's User role is Viewer plus editing: it reads every DAG because it holds can_read (and can_edit, can_delete)
on the resource "DAGs", which covers all DAGs. A team role holds every other permission of User and none of
those three: its DAG-level rights come from each of its team's DAGs (policy.DAG_ACCESS). FAB's checks then need
both, e.g. a run's log needs can_read on "Task Logs" and can_read on "DAG:<dag_id>".
"""

from __future__ import annotations

RESOURCE_DAGS = "DAGs"
GLOBAL_DAG_ACTIONS = {"can_read", "can_edit", "can_delete"}


def team_role_permissions() -> list[tuple[str, str]]:
    """(action, resource) pairs of a team role, from the FAB provider's own Viewer and User lists."""
    from airflow.providers.fab.auth_manager.security_manager.override import (
        FabAirflowSecurityManagerOverride as SecurityManager,
    )

    granted = [*SecurityManager.VIEWER_PERMISSIONS, *SecurityManager.USER_PERMISSIONS]
    return [(action, resource) for action, resource in granted if not _all_dags(action, resource)]


def _all_dags(action: str, resource: str) -> bool:
    return resource == RESOURCE_DAGS and action in GLOBAL_DAG_ACTIONS
