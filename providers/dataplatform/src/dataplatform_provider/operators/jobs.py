"""Operator that submits a job to the data platform's Jobs service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator, Context

from dataplatform_provider.hooks.jobs import JobsHook


class SubmitJobOperator(BaseOperator):
    """
    Submit a job to the Jobs service and return its ``job_id`` (the task's XCom).

    It only submits: wait for the job with
    :class:`~dataplatform_provider.sensors.jobs.JobCompletedSensor`, which frees the worker slot while the job
    runs. A refused submission (any HTTP error) fails the task with the service's answer in the message.

    .. seealso::
        ``dataplatform_provider.api.jobs`` for what the service accepts.

    :param job_name: The kind of job the service should run, e.g. ``"compact-table"``. (templated)
    :param parameters: The job's parameters; values may be Jinja templates. Defaults to none. (templated)
    :param jobs_conn_id: The Jobs service connection. Defaults to ``dataplatform_jobs_default``.
    """

    template_fields: Sequence[str] = ("job_name", "parameters")
    template_fields_renderers = {"parameters": "json"}

    def __init__(
        self,
        *,
        job_name: str,
        parameters: Mapping[str, Any] | None = None,
        jobs_conn_id: str = JobsHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not job_name:
            raise ValueError(f"{self.task_id}: job_name must name the job to run, e.g. job_name='compact-table'")
        if parameters is not None and not isinstance(parameters, Mapping):
            raise TypeError(f"{self.task_id}: parameters must be a mapping, not {type(parameters).__name__}")
        self.job_name = job_name
        self.parameters = dict(parameters or {})
        self.jobs_conn_id = jobs_conn_id

    def execute(self, context: Context) -> str:
        job = JobsHook(jobs_conn_id=self.jobs_conn_id).submit_job(self.job_name, self.parameters)
        self.log.info("Submitted job %s (%s): %s", job["job_id"], self.job_name, job["state"])
        return job["job_id"]
