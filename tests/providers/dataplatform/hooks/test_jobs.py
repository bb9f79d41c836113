"""JobsHook: each method calls its own endpoint with the token, and errors carry the service's answer."""

from __future__ import annotations

import asyncio
import json

import pytest
from dataplatform_provider.api.jobs import HEALTH_PATH, JOBS_PATH, job_path
from dataplatform_provider.hooks.jobs import JobsHook, JobsServiceError

from tests.providers.dataplatform.jobs_service import TOKEN, JobsService


def requests_seen(service: JobsService) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request in service.server.requests]


class TestEndpoints:
    """The book's hook called GET /ready from every method; this one calls what each method is named after."""

    def test_should_post_a_new_job_and_nothing_else(self, jobs_service: JobsService):
        job = JobsHook().submit_job("compact-table", {"table": "sales"})

        assert job["state"] == "queued"
        assert requests_seen(jobs_service) == [("POST", JOBS_PATH)]
        assert jobs_service.server.requests[0].body == {"name": "compact-table", "parameters": {"table": "sales"}}

    def test_should_read_a_job_from_its_own_path_and_nothing_else(self, jobs_service: JobsService):
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]

        assert JobsHook().get_job(job_id)["state"] == "succeeded"
        assert requests_seen(jobs_service) == [("POST", JOBS_PATH), ("GET", job_path(job_id))]

    def test_should_call_the_health_endpoint_only_to_test_the_connection(self, jobs_service: JobsService):
        assert JobsHook().test_connection() == (True, "Jobs service is ok")
        assert requests_seen(jobs_service) == [("GET", HEALTH_PATH)]

    def test_should_read_a_job_without_blocking_from_its_own_path(self, jobs_service: JobsService):
        job_id = JobsHook().submit_job("compact-table", {})["job_id"]

        assert asyncio.run(JobsHook().aget_job(job_id))["state"] == "succeeded"
        assert requests_seen(jobs_service)[-1] == ("GET", job_path(job_id))

    def test_should_send_the_connection_password_as_bearer_token(self, jobs_service: JobsService):
        JobsHook().test_connection()
        assert jobs_service.server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


class TestErrors:
    """A refusal fails loudly with the request and the service's own words."""

    def test_should_raise_with_the_services_answer_on_a_refused_job(self, jobs_service: JobsService):
        with pytest.raises(JobsServiceError, match=r"POST .*/api/v1/jobs -> HTTP 400: .*unknown job name 'vacuum'"):
            JobsHook().submit_job("vacuum", {})

    def test_should_raise_on_an_unknown_job_in_both_clients(self, jobs_service: JobsService):
        with pytest.raises(JobsServiceError, match="HTTP 404: .*no job job-404"):
            JobsHook().get_job("job-404")
        with pytest.raises(JobsServiceError, match="HTTP 404: .*no job job-404"):
            asyncio.run(JobsHook().aget_job("job-404"))

    def test_should_fail_the_connection_test_with_the_reason(self, jobs_service: JobsService, monkeypatch):
        connection = jobs_service.connection(token="wrong")
        monkeypatch.setenv("AIRFLOW_CONN_DATAPLATFORM_JOBS_DEFAULT", json.dumps(connection))

        ok, message = JobsHook().test_connection()

        assert not ok
        assert "HTTP 401" in message and "missing or wrong API token" in message

    def test_should_refuse_a_connection_without_a_base_url(self, monkeypatch):
        monkeypatch.setenv("AIRFLOW_CONN_JOBS_NO_HOST", json.dumps({"conn_type": "dataplatform_jobs"}))

        with pytest.raises(ValueError, match="'jobs_no_host' has no host: set it to the Jobs service's base URL"):
            JobsHook(jobs_conn_id="jobs_no_host").get_job("job-1")
