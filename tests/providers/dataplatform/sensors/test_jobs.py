"""JobCompletedSensor: deferrable by config, defers to its trigger, and fails on anything but success."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowException, TaskDeferred
from dataplatform_provider.hooks.jobs import JobsHook
from dataplatform_provider.sensors.jobs import JobCompletedSensor
from dataplatform_provider.triggers.jobs import JobCompletedTrigger

from tests.providers.dataplatform.jobs_service import JobsService


def sensor(**kwargs) -> JobCompletedSensor:
    return JobCompletedSensor(task_id="wait", **{"job_id": "job-1", **kwargs})


class TestArguments:
    """Refused combinations name the parameter; the deferrable default comes from config."""

    def test_should_refuse_deferrable_with_reschedule_mode(self):
        with pytest.raises(ValueError, match=r"wait: deferrable=True and mode='reschedule'"):
            sensor(deferrable=True, mode="reschedule")

    @pytest.mark.parametrize(("configured", "expected"), [("True", True), ("False", False)])
    def test_should_default_deferrable_to_operators_default_deferrable(self, monkeypatch, configured, expected):
        monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", configured)
        assert sensor().deferrable is expected

    def test_should_template_the_job_id(self):
        assert "job_id" in JobCompletedSensor.template_fields


class TestDeferral:
    """Deferrable: one poll, then the trigger with execute_complete; no wait when the job is already done."""

    def test_should_defer_to_the_trigger_while_the_job_runs(self, jobs_service: JobsService):
        jobs_service.run_seconds = None
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]

        with pytest.raises(TaskDeferred) as deferred:
            sensor(job_id=job_id, deferrable=True, poke_interval=7, timeout=600).execute(context={})

        assert deferred.value.method_name == "execute_complete"
        assert deferred.value.timeout.total_seconds() == 600
        assert isinstance(deferred.value.trigger, JobCompletedTrigger)
        assert deferred.value.trigger.serialize()[1] == {
            "job_id": job_id,
            "jobs_conn_id": "dataplatform_jobs_default",
            "poll_interval": 7,
        }

    def test_should_not_defer_when_the_job_already_succeeded(self, jobs_service: JobsService):
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]
        assert sensor(job_id=job_id, deferrable=True).execute(context={}) is None

    def test_should_fail_on_a_failed_job_without_deferring(self, jobs_service: JobsService):
        jobs_service.outcome = "failed"
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]

        with pytest.raises(AirflowException, match=f"Job {job_id} failed: .*exited with code 1"):
            sensor(job_id=job_id, deferrable=True).execute(context={})


class TestExecuteComplete:
    """The resumed task succeeds only on a success event, and raises with the event otherwise."""

    def test_should_succeed_on_a_success_event(self):
        event = {"status": "success", "job_id": "job-1", "state": "succeeded", "message": ""}
        assert sensor().execute_complete(context={}, event=event) is None

    @pytest.mark.parametrize(
        "event",
        [
            {"status": "error", "job_id": "job-1", "state": "failed", "message": "compact-table exited with code 1"},
            {"status": "error", "job_id": "job-1", "state": None, "message": "GET ... -> HTTP 503: down"},
        ],
        ids=["job-failed", "service-error"],
    )
    def test_should_raise_with_the_event_otherwise(self, event):
        with pytest.raises(AirflowException, match="Job job-1 did not succeed: .*") as raised:
            sensor().execute_complete(context={}, event=event)
        assert event["message"] in str(raised.value)
