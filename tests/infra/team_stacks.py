"""A stack with two teams, built like the committed example stacks (both stages under the mocks, once per session):
Pulumi.dev.yaml plus TEAMS, and the same two teams on the mwaa example. Its release renders with the real Helm in
tests/helm/test_team_worker_sets.py.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any

from tests.infra.example_stacks import with_stand_in_artifacts
from tests.infra.harness import Built, build_stack, stack_config
from tests.infra.staged_stacks import build_workloads, deployment

TEAMS_STACK = "teams"
"""The stack name the teams example runs as (its workloads stage reads no committed file)."""
TEAMS_NAME_PREFIX = f"airflow-{TEAMS_STACK}"
"""Its namePrefix (the default, airflow-<stack>)."""
TEAMS: list[dict[str, Any]] = [
    {
        "name": "analytics",
        "queue": "analytics",
        "pools": {"analytics_etl": 4, "analytics_reports": 2},
        "role": "team-analytics",
        "workerSet": {"cpu": "250m", "memory": "1Gi", "minReplicas": 0, "maxReplicas": 3},
        "data": [
            {"bucket": "acme-analytics-raw", "prefix": "sales/", "access": "read"},
            {"bucket": "arn:aws:s3:::acme-analytics-marts", "access": "write"},
        ],
    },
    {
        "name": "ml",
        "queue": "ml",
        "pools": {"ml_training": 1},
        "role": "team-ml",
        "workerSet": {"cpu": "1", "memory": "4Gi", "minReplicas": 1, "maxReplicas": 2},
    },
]
MWAA_TEAMS: list[dict[str, Any]] = [
    {key: value for key, value in team.items() if key in ("name", "pools", "role")} for team in TEAMS
]
"""The same teams on MWAA: pools and UI roles map, queues, worker sets and data don't (team_config.py)."""


def teams_config() -> dict[str, Any]:
    return {**stack_config("dev"), "airflow-aws:teams": TEAMS}


@functools.cache
def teams_platform() -> Built:
    return build_stack(TEAMS_STACK, teams_config())


@functools.cache
def teams_stack() -> Built:
    """Both stages of the two-team stack."""
    platform = teams_platform()
    return deployment(platform, build_workloads(TEAMS_STACK, platform, config={}))


@functools.cache
def mwaa_teams_stack() -> Built:
    config = {**stack_config("mwaa"), "airflow-aws:teams": MWAA_TEAMS}
    with tempfile.TemporaryDirectory(prefix="mwaa-artifacts-") as directory:
        return build_stack("mwaa", with_stand_in_artifacts(config, Path(directory)))
