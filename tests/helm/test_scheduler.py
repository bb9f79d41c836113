"""Scheduler: replicas and disruption budget."""

import jmespath

from tests.helm.chart_utils import render


class TestSchedulerDeployment:
    """The scheduler Deployment's size."""

    def test_should_run_two_replicas_in_prod(self):
        assert jmespath.search("scheduler.replicas", render()) == 1
        assert jmespath.search("scheduler.replicas", render(size="prod")) == 2


class TestSchedulerPodDisruptionBudget:
    """PodDisruptionBudget for the scheduler."""

    def test_should_be_enabled(self):
        assert jmespath.search("scheduler.podDisruptionBudget.enabled", render()) is True
