"""The provider's trigger deferred on the native stack's triggerer: it polls at its interval, never blocks the
triggerer's event loop, and other triggers keep firing on time while it waits."""

from __future__ import annotations

import itertools

import pendulum
import pytest

from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack
from tests.patterns_e2e.dags.provider_deferral import POLL_INTERVAL_S, TIMER_S
from tests.providers.dataplatform.jobs_service import JobsService

pytestmark = pytest.mark.stack

DAG_ID = "provider_deferral"
# The triggerer's watchdog line when a trigger holds its event loop ([triggerer] blocked_main_thread_warning_threshold).
BLOCKED_LOOP_WARNING = "Triggerer's async thread was blocked"
# How late the timer may end: the triggerer's loop wakes it, on a shared 2-core machine.
TIMER_SLACK_S = 5


def task_instance(client: AirflowClient, run_id: str, task_id: str) -> dict:
    return client.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}")


class TestJobTriggerOnTheTriggerer:
    """A held job keeps wait_for_job deferred; the timer beside it fires on time; then the job ends the run."""

    def test_should_let_other_triggers_fire_while_it_waits(
        self, stack: NativeStack, client: AirflowClient, jobs_service: JobsService
    ):
        jobs_service.run_seconds = None  # the job runs until this test finishes it
        run_id = client.trigger(DAG_ID)
        client.wait_task_state(DAG_ID, run_id, "wait_for_job", ("deferred",), timeout=120)
        client.wait_task_state(DAG_ID, run_id, "timer", ("success",), timeout=TIMER_S + 120)

        run_after = pendulum.parse(client.run(DAG_ID, run_id)["run_after"])
        timer_end = pendulum.parse(task_instance(client, run_id, "timer")["end_date"])
        assert TIMER_S <= (timer_end - run_after).total_seconds() <= TIMER_S + TIMER_SLACK_S
        assert task_instance(client, run_id, "wait_for_job")["state"] == "deferred", "the job is still running"

        job = jobs_service.only_job()
        # The first read is the sensor's poke from the worker; the rest are the trigger's polls.
        polls = job.reads[1:]
        gaps = [later - earlier for earlier, later in itertools.pairwise(polls)]
        assert len(polls) >= 3, f"the trigger polled {len(polls)} times while the timer waited"
        assert min(gaps) >= POLL_INTERVAL_S * 0.9, f"polls came closer than the interval: {gaps}"

        jobs_service.finish(job.job_id)
        assert client.wait_run(DAG_ID, run_id, timeout=120) == "success"
        assert task_instance(client, run_id, "wait_for_job")["state"] == "success"

        # The triggerer writes a trigger's own log lines into the deferred task's log.
        assert f"Job {job.job_id} is running; next poll in" in client.task_log(DAG_ID, run_id, "wait_for_job", 1)
        assert BLOCKED_LOOP_WARNING not in stack.components["triggerer"].log.read_text(errors="replace")
