"""Scheduler: IRSA, replicas and disruption budget."""

import jmespath
from chart_utils import DEFAULT_INPUTS, render


class TestSchedulerServiceAccount:
    """The scheduler's service account."""

    def test_should_carry_the_scheduler_irsa_role(self):
        values = render()
        assert (
            jmespath.search('scheduler.serviceAccount.annotations."eks.amazonaws.com/role-arn"', values)
            == DEFAULT_INPUTS.role_arns["scheduler"]
        )
        assert jmespath.search("scheduler.serviceAccount.name", values) == "airflow-scheduler"


class TestSchedulerDeployment:
    """The scheduler Deployment's size."""

    def test_should_run_two_replicas_in_prod(self):
        assert jmespath.search("scheduler.replicas", render()) == 1
        assert jmespath.search("scheduler.replicas", render(size="prod")) == 2


class TestSchedulerPodDisruptionBudget:
    """PodDisruptionBudget for the scheduler."""

    def test_should_be_enabled(self):
        assert jmespath.search("scheduler.podDisruptionBudget.enabled", render()) is True
