"""Celery workers: IRSA, KEDA autoscaling, logs and disruption budget."""

import jmespath
from chart_utils import DEFAULT_INPUTS, render


class TestWorkerServiceAccount:
    """The workers' service account."""

    def test_should_carry_the_worker_irsa_role(self):
        values = render()
        assert (
            jmespath.search('workers.serviceAccount.annotations."eks.amazonaws.com/role-arn"', values)
            == DEFAULT_INPUTS.role_arns["workers"]
        )

    def test_should_pin_the_name_the_role_trusts(self):
        assert jmespath.search("workers.serviceAccount.[create, name]", render()) == [True, "airflow-worker"]


class TestWorkerKeda:
    """KEDA ScaledObject for Celery workers."""

    def test_should_enable_keda_through_pgbouncer(self):
        assert jmespath.search("workers.celery.keda.[enabled, usePgbouncer]", render()) == [True, True]

    def test_should_scale_wider_in_prod(self):
        assert jmespath.search("workers.celery.keda.maxReplicaCount", render()) == 5
        assert jmespath.search("workers.celery.keda.[minReplicaCount, maxReplicaCount]", render(size="prod")) == [2, 20]


class TestWorkerLogs:
    """Task logs go to S3, so workers need no log volume."""

    def test_should_disable_persistence(self):
        assert jmespath.search("workers.persistence.enabled", render()) is False


class TestWorkerPodDisruptionBudget:
    """PodDisruptionBudget for workers."""

    def test_should_be_enabled(self):
        assert jmespath.search("workers.podDisruptionBudget.enabled", render()) is True
