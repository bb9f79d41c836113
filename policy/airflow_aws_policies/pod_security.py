"""Pod Security `restricted` for every container the official Airflow chart renders, from its values.

helm can't run here, so this follows the chart's own security-context helpers
(`chart/templates/_helpers.yaml`, chart 1.22) over the values handed to the Release:

- Airflow components: pod = `<node>.securityContexts.pod` -> `<node>.securityContext` ->
  `securityContexts.pod` -> `securityContext` -> `{runAsUser: uid, fsGroup: gid}`;
  container = `<node>.securityContexts.container` -> `securityContexts.containers` ->
  `{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}` ("containerSecurityContext").
- statsd, pgbouncer, redis: pod = `<node>.securityContexts.pod` -> `<node>.securityContext` ->
  `{runAsUser: <node>.uid}`; container = `<node>.securityContexts.container` -> the same
  no-escalation default ("externalContainerSecurityContext").
- git-sync (when enabled): container = `dags.gitSync.securityContexts.container` ->
  `dags.gitSync.securityContext` -> `{runAsUser: dags.gitSync.uid}` ("localContainerSecurityContext"),
  in its host pod.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# The chart defaults these helpers fall back to (values.yaml of chart 1.22).
CHART_DEFAULTS: dict[str, Any] = {
    "uid": 50000,
    "gid": 0,
    "statsd": {"enabled": True, "uid": 65534},
    "pgbouncer": {"enabled": False, "uid": 65534},
    "redis": {"enabled": True, "uid": 0},
    "dags": {"gitSync": {"enabled": False, "uid": 65533}},
}

# Airflow components (values node, container names) that use the chart's global fallbacks; each runs
# its main container, and the long-running ones a wait-for-migrations init container too.
AIRFLOW_COMPONENTS: dict[str, tuple[str, ...]] = {
    "apiServer": ("api-server", "waitForMigrations"),
    "scheduler": ("scheduler", "waitForMigrations", "logGroomerSidecar"),
    "dagProcessor": ("dag-processor", "waitForMigrations", "logGroomerSidecar"),
    "triggerer": ("triggerer", "waitForMigrations", "logGroomerSidecar"),
    "workers": ("worker", "waitForMigrations", "logGroomerSidecar"),
    "migrateDatabaseJob": ("run-airflow-migrations",),
    "createUserJob": ("create-user",),
    "cleanup": ("airflow-cleanup-pods",),
    "databaseCleanup": ("database-cleanup",),
    "flower": ("flower",),
}
# Third-party components with their own helpers; redis is checked only where the chart runs it.
EXTERNAL_COMPONENTS = ("statsd", "pgbouncer", "redis")
# Pods that carry the git-sync sidecar when git-sync is on (git-sync has its own helper, no global fallback).
GIT_SYNC_HOSTS = ("scheduler", "dagProcessor", "triggerer", "workers")
ALLOWED_ADDED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})
ALLOWED_SECCOMP = frozenset({"RuntimeDefault", "Localhost"})


@dataclass(frozen=True)
class RenderedContainer:
    """One container of one pod, with the pod- and container-level security contexts it renders with."""

    component: str
    container: str
    pod_context: Mapping[str, Any]
    container_context: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"{self.component}/{self.container}"


def _get(values: Mapping[str, Any], *path: str) -> Any:
    """`values[a][b]…`, falling back to the chart default for the same path."""
    for source in (values, CHART_DEFAULTS):
        node: Any = source
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node not in (None, {}):
            return node
    return None


def _airflow_pod(values: Mapping[str, Any], node: str) -> Mapping[str, Any]:
    return (
        _celery_override(values, node, "pod")
        or _get(values, node, "securityContexts", "pod")
        or _get(values, node, "securityContext")
        or _get(values, "securityContexts", "pod")
        or _get(values, "securityContext")
        or {"runAsUser": _get(values, "uid"), "fsGroup": _get(values, "gid")}
    )


def _airflow_container(values: Mapping[str, Any], *node: str) -> Mapping[str, Any]:
    return (
        (_celery_override(values, node[0], "container") if len(node) == 1 else None)
        or _get(values, *node, "securityContexts", "container")
        or _get(values, "securityContexts", "containers")
        or {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    )


def _celery_override(values: Mapping[str, Any], node: str, level: str) -> Mapping[str, Any] | None:
    """Newer charts let `workers.celery.securityContexts` override `workers.securityContexts`."""
    return _get(values, "workers", "celery", "securityContexts", level) if node == "workers" else None


def _external_container(values: Mapping[str, Any], *node: str) -> Mapping[str, Any]:
    return _get(values, *node, "securityContexts", "container") or {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }


def rendered_containers(values: Mapping[str, Any]) -> Iterator[RenderedContainer]:
    """Every container the chart would render with these values, with its effective security contexts."""
    for node, (main, *sidecars) in AIRFLOW_COMPONENTS.items():
        pod = _airflow_pod(values, node)
        yield RenderedContainer(node, main, pod, _airflow_container(values, node))
        for sidecar in sidecars:
            yield RenderedContainer(node, sidecar, pod, _airflow_container(values, node, sidecar))
        if node in GIT_SYNC_HOSTS and _get(values, "dags", "gitSync", "enabled"):
            git_sync = (
                _get(values, "dags", "gitSync", "securityContexts", "container")
                or _get(values, "dags", "gitSync", "securityContext")
                or {"runAsUser": _get(values, "dags", "gitSync", "uid")}
            )
            yield RenderedContainer(node, "git-sync", pod, git_sync)
    for node in EXTERNAL_COMPONENTS:
        if node == "redis" and (
            not _get(values, "redis", "enabled") or "Celery" not in str(values.get("executor", "CeleryExecutor"))
        ):
            continue
        pod = (
            _get(values, node, "securityContexts", "pod")
            or _get(values, node, "securityContext")
            or {"runAsUser": _get(values, node, "uid")}
        )
        yield RenderedContainer(node, node, pod, _external_container(values, node))
        if node == "pgbouncer":
            yield RenderedContainer(
                node,
                "metrics-exporter",
                pod,
                _external_container(values, "pgbouncer", "metricsExporterSidecar"),
            )


def restricted_violations(container: RenderedContainer) -> list[str]:
    """What keeps this container from passing the Pod Security Standard `restricted`."""
    pod, ctr = container.pod_context, container.container_context

    def effective(key: str) -> Any:
        return ctr.get(key) if ctr.get(key) is not None else pod.get(key)

    problems = []
    if effective("runAsNonRoot") is not True:
        problems.append("runAsNonRoot is not true")
    if effective("runAsUser") == 0:
        problems.append("runAsUser is 0 (root)")
    if ctr.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    if ctr.get("privileged"):
        problems.append("privileged is true")
    capabilities = ctr.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        problems.append("capabilities.drop does not include ALL")
    if extra := set(capabilities.get("add") or []) - ALLOWED_ADDED_CAPABILITIES:
        problems.append(f"capabilities.add has {sorted(extra)}")
    if (effective("seccompProfile") or {}).get("type") not in ALLOWED_SECCOMP:
        problems.append("seccompProfile.type is not RuntimeDefault")
    return [f"{container.where}: {problem}" for problem in problems]


def violations(values: Mapping[str, Any]) -> list[str]:
    """Every restricted-profile problem in the values, as `component/container: problem`."""
    return [problem for container in rendered_containers(values) for problem in restricted_violations(container)]
