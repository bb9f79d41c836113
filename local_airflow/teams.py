"""The native stack's teams: one Celery worker per team on the team's queue, its task runners reading the team's
secrets prefixes, as a team's worker set does on EKS (infra/team_values.py).

Each team worker is a component of its own (`worker-<team>`) beside the shared `worker` of the default queue,
with its own Celery node name and log-server port (they share a host), and `[workers] secrets_backend_kwargs`
naming the team's prefixes (airflow_settings.render.team_secret_prefixes). The roster reaches every component as
`[platform_teams] roster`; `python -m dataplatform.teams sync` creates the teams' UI roles and pools before the
components start, as the create-user Job does on EKS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from airflow_settings.render import SecretPrefixes, team_secret_prefixes
from airflow_settings.teams import ROSTER_KEY, ROSTER_SECTION, Team, roster_value

FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
TEAMS_SYNC = ["-m", "dataplatform.teams", "sync"]
"""The sync command's arguments to the stack's Python (plugins/dataplatform/teams/__main__.py)."""


def worker_name(team: Team) -> str:
    """The component name of a team's worker."""
    return f"worker-{team.name}"


def worker_command(team: Team) -> list[str]:
    """`airflow celery worker` on the team's queue only, under a node name of its own (`<team>@<host>`)."""
    assert team.queue is not None  # load_settings and the stack refuse a local team without one
    return ["celery", "worker", "--queues", team.queue, "--celery-hostname", f"{team.name}@%h"]


def roster_env(teams: Sequence[Team]) -> dict[str, str]:
    """What every component of a stack with teams gets: the roster."""
    return {f"AIRFLOW__{ROSTER_SECTION.upper()}__{ROSTER_KEY.upper()}": roster_value(teams)} if teams else {}


def worker_env(team: Team, env: Mapping[str, str], log_port: int) -> dict[str, str]:
    """A team worker's own variables over the stack's `env`: its log-server port and its secrets prefixes."""
    shared = json.loads(env["AIRFLOW__SECRETS__BACKEND_KWARGS"])
    prefixes = team_secret_prefixes(
        SecretPrefixes(connections=shared["connections_prefix"], variables=shared["variables_prefix"]), team.name
    )
    kwargs = {**shared, "connections_prefix": prefixes.connections, "variables_prefix": prefixes.variables}
    return {
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
        "AIRFLOW__WORKERS__SECRETS_BACKEND": env["AIRFLOW__SECRETS__BACKEND"],
        "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS": json.dumps(kwargs),
    }
