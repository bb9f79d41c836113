"""The chart's security-context resolution, and the Pod Security `restricted` check on top of it."""

from __future__ import annotations

import copy

import pytest

from policy.airflow_aws_policies.pod_security import rendered_containers, violations
from tests.policy.rule_baselines import GOOD_CHART_VALUES

pytestmark = pytest.mark.infra

# Every component the platform runs, as `values node/container` (redis only where the chart runs it).
REQUIRED_CONTAINERS = {
    "apiServer/api-server",
    "scheduler/scheduler",
    "dagProcessor/dag-processor",
    "triggerer/triggerer",
    "workers/worker",
    "scheduler/git-sync",
    "dagProcessor/git-sync",
    "workers/git-sync",
    "migrateDatabaseJob/run-airflow-migrations",
    "createUserJob/create-user",
    "statsd/statsd",
    "pgbouncer/pgbouncer",
    "pgbouncer/metrics-exporter",
    "cleanup/airflow-cleanup-pods",
    "scheduler/waitForMigrations",
    "apiServer/waitForMigrations",
}


def _with(values: dict, *path: str, value) -> dict:
    changed = copy.deepcopy(values)
    node = changed
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return changed


def test_every_platform_component_is_checked():
    assert REQUIRED_CONTAINERS <= {c.where for c in rendered_containers(GOOD_CHART_VALUES)}


def test_restricted_values_pass():
    assert violations(GOOD_CHART_VALUES) == []


def test_chart_defaults_fail_for_every_component():
    """The chart's own defaults (runAsUser only) set neither runAsNonRoot nor seccomp anywhere."""
    failing = {problem.split(":")[0] for problem in violations({"dags": {"gitSync": {"enabled": True}}})}
    assert REQUIRED_CONTAINERS <= failing


def test_git_sync_is_checked_only_when_enabled():
    values = _with(GOOD_CHART_VALUES, "dags", "gitSync", value={"enabled": False})
    assert not any(c.container == "git-sync" for c in rendered_containers(values))


def test_one_weakened_component_is_named():
    values = _with(
        GOOD_CHART_VALUES,
        "scheduler",
        "securityContexts",
        "container",
        value={"allowPrivilegeEscalation": True, "capabilities": {"drop": ["ALL"]}},
    )
    assert violations(values) == ["scheduler/scheduler: allowPrivilegeEscalation is not false"]


def test_component_legacy_security_context_wins_over_the_global_one():
    values = _with(GOOD_CHART_VALUES, "triggerer", "securityContext", value={"runAsUser": 0})
    assert "triggerer/triggerer: runAsUser is 0 (root)" in violations(values)


def test_celery_worker_override_is_checked():
    values = _with(
        GOOD_CHART_VALUES,
        "workers",
        "celery",
        "securityContexts",
        "container",
        value={"allowPrivilegeEscalation": False, "capabilities": {"drop": ["NET_RAW"]}},
    )
    assert violations(values) == ["workers/worker: capabilities.drop does not include ALL"]


def test_git_sync_falls_back_to_its_uid_without_security_contexts():
    values = _with(GOOD_CHART_VALUES, "dags", "gitSync", value={"enabled": True})
    assert "dagProcessor/git-sync: allowPrivilegeEscalation is not false" in violations(values)


@pytest.mark.parametrize(("redis", "checked"), [({"enabled": True}, True), ({"enabled": False}, False)])
def test_in_cluster_redis_is_checked_only_when_the_chart_runs_it(redis, checked):
    values = {**GOOD_CHART_VALUES, "redis": redis}
    assert any(p.startswith("redis/redis:") for p in violations(values)) is checked


def test_added_capabilities_beyond_net_bind_service_fail():
    values = _with(
        GOOD_CHART_VALUES,
        "statsd",
        "securityContexts",
        "container",
        value={"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]}},
    )
    assert violations(values) == ["statsd/statsd: capabilities.add has ['SYS_ADMIN']"]
