"""The prod release runs for real: the chart's workloads, rendered from the prod stack's values, start our image
on podman (tests/release/pods.py), and a DAG pushed to git runs through them.

What this proves beyond the native stack: the chart's commands and args start our image, its airflow.cfg, Secrets
and init containers are what the components need, its probes pass, its Jobs migrate and create the admin, and
IRSA-style credentials reach S3 and Secrets Manager. The conftest's docstring says what stands in for AWS and
what is not started; the dev release's git-sync sidecar is not run (its module is refused by the Go proxy here).
"""

from __future__ import annotations

import pytest

from airflow_settings.git_bundle import GIT_BUNDLE_NAME
from local_airflow.processes import wait_for
from tests.probe_dag import PROBE_CONNECTION, PROBE_DAG_ID, PROBE_HOST, PROBE_TASK_ID, probe_dag, probe_log_line
from tests.release.conftest import RunningRelease

pytestmark = pytest.mark.release

BROKEN_DAG = "from airflow.sdk import dag\n\n\ndef unfinished(:\n"
BUNDLE_REFRESH_TIMEOUT = 120
LOG_UPLOAD_TIMEOUT = 60


def run_probe(running: RunningRelease) -> tuple[str, str]:
    """Trigger the probe DAG; its run id and the worker that ran its task."""
    run_id = running.api.trigger(PROBE_DAG_ID)
    assert running.api.wait_run(PROBE_DAG_ID, run_id, timeout=180) == "success"
    [instance] = running.api.task_instances(PROBE_DAG_ID, run_id)
    return run_id, instance["hostname"]


class TestJobs:
    def test_migrate_and_create_user_jobs_complete(self, running: RunningRelease):
        assert "Database migration done!" in running.jobs["migrations"].logs("run-airflow-migrations")
        assert 'User "admin" created with role "Admin"' in running.jobs["create-user"].logs("create-user")

    def test_create_user_job_completes_again_on_an_upgrade(self, running: RunningRelease):
        job = next(name for name in running.runner.release.of_kind("Job") if "create-user" in name)
        again = running.runner.run_job(job, attempt=2)
        assert "admin already exists in the db" in again.logs("create-user")


class TestComponents:
    def test_every_container_runs_and_passes_the_charts_probes_again(self, running: RunningRelease):
        for pod in running.pods.values():
            assert all(pod.running().values()), f"{pod.name}: {pod.running()}"
            running.runner.wait_ready(pod)


class TestDagDelivery:
    """A DAG pushed to git becomes a DAG version, runs on the Celery worker, logs to S3, and reads a connection
    from Secrets Manager; a broken push stops nothing."""

    def test_pushed_dag_runs_on_the_worker_with_its_log_in_s3(self, running: RunningRelease):
        running.platform_client("secretsmanager").create_secret(
            Name=f"{running.connections_prefix}/{PROBE_CONNECTION}",
            SecretString=f'{{"conn_type": "generic", "host": "{PROBE_HOST}"}}',
        )
        commit = running.git.push({f"dags/{PROBE_DAG_ID}.py": probe_dag(1)}, "Add the release probe")
        wait_for(lambda: running.api.dag_exists(PROBE_DAG_ID), BUNDLE_REFRESH_TIMEOUT, "the probe DAG from git")
        versions = running.api.dag_versions(PROBE_DAG_ID)
        assert [(v["bundle_name"], v["bundle_version"]) for v in versions] == [(GIT_BUNDLE_NAME, commit)]
        running.api.unpause(PROBE_DAG_ID)

        run_id, worker = run_probe(running)

        assert worker == running.pods["airflow-worker"].name
        assert running.api.xcom(PROBE_DAG_ID, run_id, PROBE_TASK_ID) == PROBE_HOST
        # Listed by the DAG's folder: moto's server reads a "+" of the run id (its UTC offset) in the query as a
        # space, so a prefix holding the run id matches nothing.
        dag_folder = f"{running.logs_prefix}/dag_id={PROBE_DAG_ID}/"
        s3 = running.platform_client("s3")

        def uploaded() -> list[str]:
            objects = s3.list_objects_v2(Bucket=running.logs_bucket, Prefix=dag_folder)
            return [item["Key"].removeprefix(dag_folder) for item in objects.get("Contents", [])]

        # The worker's supervisor uploads the log once the task process has ended, after the task's state.
        keys = wait_for(uploaded, LOG_UPLOAD_TIMEOUT, "the task's log in S3")
        assert keys == [f"run_id={run_id}/task_id={PROBE_TASK_ID}/attempt=1.log"]
        assert probe_log_line(1) in running.api.task_log(PROBE_DAG_ID, run_id, PROBE_TASK_ID, 1)

    def test_broken_push_keeps_the_running_dags_running(self, running: RunningRelease):
        commit = running.git.push(
            {f"dags/{PROBE_DAG_ID}.py": probe_dag(2), "dags/broken.py": BROKEN_DAG}, "Release 2, and a broken DAG"
        )
        wait_for(
            lambda: [e for e in running.api.import_errors() if e["filename"].endswith("broken.py")],
            BUNDLE_REFRESH_TIMEOUT,
            "the broken DAG's import error",
        )
        wait_for(
            lambda: running.api.dag_versions(PROBE_DAG_ID)[-1]["bundle_version"] == commit,
            BUNDLE_REFRESH_TIMEOUT,
            "the probe DAG's second version",
        )
        run_id, _ = run_probe(running)
        assert probe_log_line(2) in running.api.task_log(PROBE_DAG_ID, run_id, PROBE_TASK_ID, 1)
        for pod in running.pods.values():
            assert all(pod.running().values()), f"{pod.name}: {pod.running()}"
