"""SubmitJobOperator and the sensor in example_dataplatform_jobs, run for real by dag.test() against the service."""

from __future__ import annotations

import pytest
from dataplatform_provider.api.jobs import JOBS_PATH
from dataplatform_provider.operators.jobs import SubmitJobOperator

from tests.examples.dagruns import LOGICAL_DATE, load_dag, run_dag, task_states, triggers_fired
from tests.providers.dataplatform.jobs_service import JobsService

DAG_ID = "example_dataplatform_jobs"
# The DAG polls every 30 s; the tests' jobs run for about a second.
POLL_INTERVAL_S = 0.2


def run_example():
    return run_dag(load_dag(DAG_ID, f"{DAG_ID}.py"), poke_interval=POLL_INTERVAL_S)


class TestExampleRun:
    """Success, a refused submission and a failed job, each as the run's states and the requests sent."""

    def test_should_submit_for_the_run_date_and_wait_in_the_triggerer(self, airflow_db, jobs_service: JobsService):
        jobs_service.run_seconds = 1.0
        dag_run = run_example()

        assert task_states(dag_run) == {"submit_compaction": "success", "wait_for_compaction": "success"}
        (submitted,) = jobs_service.server.calls("POST", JOBS_PATH)
        assert submitted.body == {
            "name": "compact-table",
            "parameters": {"table": "sales", "date": LOGICAL_DATE.to_date_string()},
        }
        trigger = {"job_id": jobs_service.only_job().job_id, "jobs_conn_id": "dataplatform_jobs_default"}
        assert {**trigger, "poll_interval": POLL_INTERVAL_S} in triggers_fired("JobCompletedTrigger"), (
            "the sensor must wait through its trigger, not by poking from the worker"
        )

    def test_should_fail_the_submission_on_an_error_response(self, airflow_db, jobs_service: JobsService):
        jobs_service.job_names = {"vacuum"}
        dag_run = run_example()

        assert dag_run.state == "failed"
        assert task_states(dag_run) == {"submit_compaction": "failed", "wait_for_compaction": "upstream_failed"}
        assert len(jobs_service.server.calls("POST", JOBS_PATH)) == 1
        assert not jobs_service.jobs

    def test_should_fail_the_sensor_when_the_job_fails(self, airflow_db, jobs_service: JobsService):
        jobs_service.outcome = "failed"
        jobs_service.run_seconds = 1.0
        dag_run = run_example()

        assert task_states(dag_run) == {"submit_compaction": "success", "wait_for_compaction": "failed"}


class TestArguments:
    """Refused at DAG parse time, with the parameter named."""

    def test_should_refuse_an_empty_job_name(self):
        with pytest.raises(ValueError, match="submit: job_name must name the job to run"):
            SubmitJobOperator(task_id="submit", job_name="")

    def test_should_refuse_parameters_that_are_not_a_mapping(self):
        with pytest.raises(TypeError, match="submit: parameters must be a mapping, not list"):
            SubmitJobOperator(task_id="submit", job_name="compact-table", parameters=["table"])
