"""Sensor that waits for a Jobs service job to finish, in the triggerer when deferrable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseSensorOperator, Context, conf
from airflow.sdk.exceptions import AirflowException

from dataplatform_provider.api.jobs import FAILED, SUCCEEDED
from dataplatform_provider.hooks.jobs import JobsHook
from dataplatform_provider.triggers.jobs import JobCompletedTrigger


class JobCompletedSensor(BaseSensorOperator):
    """
    Wait until a job of the Jobs service has ended; fail the task if it ended ``failed``.

    Deferrable (the default when ``[operators] default_deferrable`` is true), it frees its worker slot at once and
    :class:`~dataplatform_provider.triggers.jobs.JobCompletedTrigger` polls from the triggerer; otherwise it pokes
    from the worker every ``poke_interval`` seconds. Either way ``timeout`` bounds the whole wait.

    .. seealso::
        :class:`~dataplatform_provider.operators.jobs.SubmitJobOperator`, whose XCom is the ``job_id`` to pass.

    :param job_id: The job to wait for. (templated)
    :param jobs_conn_id: The Jobs service connection. Defaults to ``dataplatform_jobs_default``.
    :param deferrable: Wait in the triggerer instead of a worker slot. Defaults to ``[operators]
        default_deferrable`` (false unless configured).
    :param poke_interval: Seconds between two polls, in either mode. Defaults to 60.
    """

    template_fields: Sequence[str] = ("job_id",)

    def __init__(
        self,
        *,
        job_id: str,
        jobs_conn_id: str = JobsHook.default_conn_name,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if deferrable is None:
            # Read when the task is built, not when this module is imported, so the setting of the process that
            # parses the DAG applies.
            deferrable = conf.getboolean("operators", "default_deferrable", fallback=False)
        if deferrable and self.mode == "reschedule":
            raise ValueError(
                f"{self.task_id}: deferrable=True and mode='reschedule' both free the worker slot; choose one "
                "(deferrable waits in the triggerer)"
            )
        self.job_id = job_id
        self.jobs_conn_id = jobs_conn_id
        self.deferrable = deferrable

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):
            return None
        self.defer(
            trigger=JobCompletedTrigger(
                job_id=self.job_id, jobs_conn_id=self.jobs_conn_id, poll_interval=self.poke_interval
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def poke(self, context: Context) -> bool:
        job = JobsHook(jobs_conn_id=self.jobs_conn_id).get_job(self.job_id)
        if job["state"] == FAILED:
            raise AirflowException(f"Job {self.job_id} failed: {job}")
        self.log.info("Job %s is %s", self.job_id, job["state"])
        return job["state"] == SUCCEEDED

    def execute_complete(self, context: Context, event: dict[str, Any]) -> None:
        """Resume after the trigger fired: succeed on a succeeded job, raise with the event otherwise."""
        if event.get("status") != "success":
            raise AirflowException(f"Job {event.get('job_id', self.job_id)} did not succeed: {event}")
        self.log.info("Job %s succeeded", event["job_id"])
