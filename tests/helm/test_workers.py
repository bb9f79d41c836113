"""Celery workers: KEDA autoscaling, logs and disruption budget."""

import jmespath

from infra.helm_values import KEDA_NAMESPACE
from tests.helm.chart_utils import render


class TestWorkerKeda:
    """KEDA ScaledObject for Celery workers."""

    def test_should_enable_keda_through_pgbouncer(self):
        assert jmespath.search("workers.celery.keda.[enabled, usePgbouncer]", render()) == [True, True]

    def test_should_let_the_keda_operator_through_the_pgbouncer_network_policy(self):
        # With network policies on, the chart admits app=keda-operator pods from namespaces matching these labels.
        values = render()
        assert jmespath.search("networkPolicies.enabled", values) is True
        assert jmespath.search("workers.celery.keda.namespaceLabels", values) == {
            "kubernetes.io/metadata.name": KEDA_NAMESPACE
        }

    def test_should_scale_wider_in_prod(self):
        assert jmespath.search("workers.celery.keda.maxReplicaCount", render()) == 5
        assert jmespath.search("workers.celery.keda.[minReplicaCount, maxReplicaCount]", render(size="prod")) == [2, 20]


class TestWorkerLogs:
    """Task logs go to S3, so workers need no log volume."""

    def test_should_disable_persistence(self):
        assert jmespath.search("workers.celery.persistence.enabled", render()) is False


class TestWorkerPodDisruptionBudget:
    """PodDisruptionBudget for workers."""

    def test_should_be_enabled(self):
        assert jmespath.search("workers.celery.podDisruptionBudget.enabled", render()) is True
