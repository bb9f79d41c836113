"""Pod hardening for every component: restricted security contexts, network policies, disruption budgets."""

import jmespath
import pytest

from infra.components import PDB_COMPONENTS
from infra.helm_values import values_path
from tests.helm.chart_utils import effective_security_contexts, merged_values, render

AIRFLOW_IMAGE_PODS = [
    "apiServer",
    "scheduler",
    "dagProcessor",
    "triggerer",
    "workers",
    "migrateDatabaseJob",
    "createUserJob",
    "databaseCleanup",
]
"""Components running our Airflow image; the chart gives them the global contexts unless they set their own."""
AIRFLOW_IMAGE_SIDECARS = [
    f"{component}.{sidecar}"
    for component in ("scheduler", "dagProcessor", "triggerer", "workers")
    for sidecar in ("logGroomerSidecar", "waitForMigrations")
] + ["apiServer.waitForMigrations"]
"""Their sidecars and init containers, which take the global container context the same way."""
OTHER_IMAGE_CONTAINERS = [
    "statsd",
    "pgbouncer",
    "pgbouncer.metricsExporterSidecar",
    "dags.gitSync",
]
"""Containers of other images: the chart applies only their own context, never the global one."""


def assert_restricted_pod(pod: dict, where: str) -> None:
    assert pod.get("runAsNonRoot") is True, f"{where}: pod may run as root"
    assert pod.get("seccompProfile") == {"type": "RuntimeDefault"}, f"{where}: pod lacks the default seccomp"


def assert_restricted_container(container: dict, where: str) -> None:
    assert container.get("allowPrivilegeEscalation") is False, f"{where}: container may escalate privileges"
    assert container.get("capabilities") == {"drop": ["ALL"]}, f"{where}: container keeps capabilities"


class TestPodSecurityContexts:
    """Pod Security Standard "restricted" for every pod and container the release renders."""

    @pytest.mark.parametrize("component", AIRFLOW_IMAGE_PODS)
    def test_should_restrict_every_airflow_pod(self, component: str):
        pod, container = effective_security_contexts(merged_values(), component)
        assert_restricted_pod(pod, component)
        assert_restricted_container(container, component)

    @pytest.mark.parametrize("sidecar", AIRFLOW_IMAGE_SIDECARS)
    def test_should_restrict_every_airflow_sidecar(self, sidecar: str):
        values = merged_values()
        container = jmespath.search(f"{sidecar}.securityContexts.container", values) or jmespath.search(
            "securityContexts.containers", values
        )
        assert_restricted_container(container, sidecar)

    @pytest.mark.parametrize("path", OTHER_IMAGE_CONTAINERS)
    def test_should_restrict_other_images_explicitly(self, path: str):
        assert_restricted_container(jmespath.search(f"{path}.securityContexts.container", render()), path)

    @pytest.mark.parametrize("path", ["statsd", "pgbouncer"])
    def test_should_run_other_images_as_nobody(self, path: str):
        pod = jmespath.search(f"{path}.securityContexts.pod", render())
        assert_restricted_pod(pod, path)
        assert pod["runAsUser"] == 65534

    def test_should_not_deploy_the_bundled_redis(self):
        assert jmespath.search("redis.enabled", render()) is False


class TestNetworkPolicies:
    """NetworkPolicy objects of the chart."""

    def test_should_be_enabled(self):
        assert jmespath.search("networkPolicies.enabled", render()) is True


class TestPodDisruptionBudgets:
    """PodDisruptionBudgets of the long-running components."""

    @pytest.mark.parametrize("component", PDB_COMPONENTS)
    def test_should_be_enabled(self, component: str):
        assert jmespath.search(f"{values_path(component)}.podDisruptionBudget.enabled", render()) is True
