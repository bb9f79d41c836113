"""Fault tests: each breaks a component mid-run; the run must still end `success`, no task completed twice."""

from __future__ import annotations

import signal

import pytest

from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack
from tests.stack.faults import (
    Outcome,
    kill_scheduler_while_queued,
    kill_worker_mid_task,
    restart_mid_run,
    successes_per_task,
)

pytestmark = pytest.mark.stack

# Our settings recover within about a minute; stock needs 5-10 (bench/stack.py). Generous for a loaded CI box.
RECOVERY_TIMEOUT = 240


def assert_recovered(client: AirflowClient, outcome: Outcome) -> None:
    assert outcome.state == "success", f"{outcome.dag_id} run {outcome.run_id} ended {outcome.state}"
    successes = successes_per_task(client, outcome.dag_id, outcome.run_id)
    twice = {task: n for task, n in successes.items() if n != 1}
    assert not twice, f"tasks that did not complete exactly once: {twice}"


class TestWorkerCrash:
    """kill -9 of the Celery worker (task processes included) mid-task, then a restart."""

    def test_should_retry_the_killed_task_and_succeed(self, stack: NativeStack, client: AirflowClient):
        outcome = kill_worker_mid_task(stack, client, timeout=RECOVERY_TIMEOUT)
        assert_recovered(client, outcome)
        tries = client.tries(outcome.dag_id, outcome.run_id, "nap")
        assert [t["state"] for t in tries][0] != "success", "the kill must have hit the first try mid-task"


class TestSchedulerCrash:
    """kill -9 of the scheduler while tasks are queued, then a restart."""

    def test_should_finish_the_queued_tasks(self, stack: NativeStack, client: AirflowClient):
        assert_recovered(client, kill_scheduler_while_queued(stack, client, timeout=RECOVERY_TIMEOUT))


class TestRestarts:
    """PostgreSQL, Redis and the api-server restarted while tasks run."""

    def test_should_survive_a_postgres_restart(self, stack: NativeStack, client: AirflowClient):
        assert_recovered(client, restart_mid_run(client, stack.postgres.restart, timeout=RECOVERY_TIMEOUT))

    def test_should_survive_a_redis_restart(self, stack: NativeStack, client: AirflowClient):
        assert_recovered(client, restart_mid_run(client, stack.redis.restart, timeout=RECOVERY_TIMEOUT))

    def test_should_survive_an_api_server_restart(self, stack: NativeStack, client: AirflowClient):
        outcome = restart_mid_run(
            client, lambda: stack.restart_component("api-server", signal.SIGTERM), timeout=RECOVERY_TIMEOUT
        )
        assert_recovered(client, outcome)
