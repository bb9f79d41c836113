"""The chart values of a stack with teams (pure): one Celery worker set per team, beside a shared one for the
default queue, and the team roster in Airflow's config.

Chart 1.22's `workers.celery.sets` renders, per set, a Deployment, ServiceAccount, KEDA ScaledObject (whose query
counts the set's own queue), PodDisruptionBudget, headless Service and NetworkPolicy, each set's values laid over
`workers.celery`. The chart's default worker set selects its pods by `component: worker` alone, which matches every
set's pods too: its PodDisruptionBudget would cover them, and Kubernetes refuses to evict a pod that two budgets
cover. So with teams the default set is off and the default queue gets a set of its own (SHARED_SET), keeping
every selector to one set's pods. Each set names its own service account (the pinned airflow-worker would be
rendered once per set otherwise) with the team's IRSA role, and points the task runners' secrets backend
(`[workers] secrets_backend_kwargs`) at the team's prefixes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_settings.teams import DEFAULT_QUEUE, roster_config
from infra.team_config import team_service_account
from infra.teams import TeamRelease

SHARED_SET = "shared"
"""The worker set of the default queue (platform DAGs, and DAGs of no team), under the shared workers' account."""
TEAM_LABEL = "airflow-aws/team"
"""Pod label of a team's worker pods (the chart adds `worker-set: <team>` too)."""
PLUGINS_PATH = "$AIRFLOW_HOME/plugins"
"""Where the image bakes plugins/ (images/airflow/Dockerfile), for `python -m` outside an Airflow process."""
TEAMS_SYNC = f'PYTHONPATH="{PLUGINS_PATH}" exec python -m dataplatform.teams sync'
"""Creates the teams' UI roles and pools from the roster (plugins/dataplatform/teams/sync.py): no secret needed."""


def teams_overlay(teams: Sequence[TeamRelease], settings: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The values a stack with `teams` adds: the worker sets and the roster (`settings`: the eks target's, whose
    secrets backend each set's task runners use with the team's prefixes)."""
    if not teams:
        return {}
    secrets = settings["secrets"]
    sets = [{"name": SHARED_SET, "queue": DEFAULT_QUEUE}]
    sets += [_team_set(team, secrets["backend"], secrets.get("backend_kwargs") or {}) for team in teams]
    return {
        "config": roster_config([team.team() for team in teams]),
        "workers": {"celery": {"enableDefault": False, "sets": sets}},
    }


def _team_set(team: TeamRelease, backend: str, shared_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    kwargs = {**shared_kwargs, "connections_prefix": team.connections_prefix, "variables_prefix": team.variables_prefix}
    return {
        "name": team.name,
        "queue": team.queue,
        "labels": {TEAM_LABEL: team.name},
        "serviceAccount": {
            "create": True,
            "name": team_service_account(team.name),
            "annotations": {"eks.amazonaws.com/role-arn": team.role_arn},
        },
        "resources": {"requests": {"cpu": team.cpu, "memory": team.memory}, "limits": {"memory": team.memory}},
        "keda": {"minReplicaCount": team.min_replicas, "maxReplicaCount": team.max_replicas},
        # The task runner's backend ([workers] secrets_backend, which Airflow falls back to [secrets] without):
        # the team's prefixes, then env, then the API server's (the shared prefixes), as every worker's.
        "env": [
            {"name": "AIRFLOW__WORKERS__SECRETS_BACKEND", "value": backend},
            {"name": "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS", "value": json.dumps(kwargs, sort_keys=True)},
        ],
    }
