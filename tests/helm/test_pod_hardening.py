"""Pod hardening for every component: restricted security contexts, network policies, disruption budgets."""

import jmespath
import pytest
from chart_utils import render

from infra.helm_values import PDB_COMPONENTS


class TestPodSecurityContexts:
    """Default (all Airflow pods) and per-image security contexts."""

    @pytest.mark.parametrize("path", ["securityContexts", "pgbouncer.securityContexts", "statsd.securityContexts"])
    def test_should_meet_the_restricted_pod_security_standard(self, path: str):
        contexts = jmespath.search(path, render())
        pod = contexts["pod"]
        container = contexts.get("containers") or contexts["container"]
        assert pod["runAsNonRoot"] is True and pod["seccompProfile"] == {"type": "RuntimeDefault"}
        assert container["allowPrivilegeEscalation"] is False
        assert container["capabilities"] == {"drop": ["ALL"]}


class TestNetworkPolicies:
    """NetworkPolicy objects of the chart."""

    def test_should_be_enabled(self):
        assert jmespath.search("networkPolicies.enabled", render()) is True


class TestPodDisruptionBudgets:
    """PodDisruptionBudgets of the long-running components."""

    @pytest.mark.parametrize("component", PDB_COMPONENTS)
    def test_should_be_enabled(self, component: str):
        assert jmespath.search(f"{component}.podDisruptionBudget.enabled", render()) is True
