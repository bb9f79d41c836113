"""The platform's Celery config (plugins/dataplatform/celery_worker.py), loaded the way Airflow loads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_settings import load_settings
from local_airflow import compose
from local_airflow.processes import free_port
from local_airflow.services import PostgreSQL

REPO = Path(__file__).resolve().parents[2]
GIT_BUNDLE_MODULE = "airflow.providers.git.bundles.git"
TASK_DECORATOR_MODULE = "airflow.providers.standard.decorators.python"
# Runs in a fresh interpreter, so that nothing this test session imported hides what the warm-up imports.
WORKER_START = f"""
import json, sys
import airflow
from airflow.configuration import conf
from airflow.sdk import plugins_manager as sdk_plugins
from celery.signals import worker_init

def held():
    return {{"git_bundle": {GIT_BUNDLE_MODULE!r} in sys.modules,
            "task_decorator": {TASK_DECORATOR_MODULE!r} in sys.modules,
            "sdk_plugins_loaded": sdk_plugins._get_plugins.cache_info().currsize == 1}}

config = conf.getimport("celery", "celery_config_options")
before = held()
worker_init.send(sender=None)
after = held()
from airflow.models.taskinstance import TaskInstance
plugins = [plugin.name for plugin in sdk_plugins._get_plugins()[0]]
print(json.dumps({{"before": before, "after": after, "sdk_plugins": plugins,
                  "mappers_configured": TaskInstance.__mapper__.configured, "broker_url": config["broker_url"]}}))
"""


# The scheduler's side of the result backend: sessions in a process that has not forked, then in a fork of it.
RESULT_SESSIONS = """
import json, os
from sqlalchemy import text
from airflow.providers.celery.executors.celery_executor_utils import app

def backend_pid():
    session = app.backend.ResultSession()
    try:
        return session.execute(text("SELECT pg_backend_pid()")).scalar()
    finally:
        session.close()

parent = [backend_pid() for _ in range(3)]
read_end, write_end = os.pipe()
child = os.fork()
if child == 0:
    os.write(write_end, str(backend_pid()).encode())
    os._exit(0)
os.waitpid(child, 0)
print(json.dumps({"backend": type(app.backend).__name__, "parent": parent,
                  "child": int(os.read(read_end, 32)), "parent_after_fork": backend_pid()}))
"""


def celery_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": load_settings().for_target("compose")["celery"][
            "celery_config_options"
        ],
        "AIRFLOW__CELERY__BROKER_URL": "redis://127.0.0.1:6379/0",
        **extra,
    }


def run_python(script: str, env: dict[str, str], cwd: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def worker_main(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a worker's main process holds before and after Celery's `worker_init`, started once per module."""
    tmp_path = tmp_path_factory.mktemp("worker")
    env = celery_env(
        tmp_path,
        AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST=json.dumps(
            [
                {
                    "name": "git_dags",
                    "classpath": "airflow.providers.git.bundles.git.GitDagBundle",
                    "kwargs": {"git_conn_id": "git_dags_repo", "tracking_ref": "main"},
                },
            ]
        ),
    )
    return run_python(WORKER_START, env, tmp_path)


@pytest.fixture(scope="module")
def result_sessions(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """PostgreSQL backend pids of result sessions, as the scheduler opens them, on a real PostgreSQL."""
    tmp_path = tmp_path_factory.mktemp("result-backend")
    database = PostgreSQL(free_port())
    database.start()
    try:
        url = compose.database_url("db+postgresql", "127.0.0.1", database.port)
        return run_python(RESULT_SESSIONS, celery_env(tmp_path, AIRFLOW__CELERY__RESULT_BACKEND=url), tmp_path)
    finally:
        database.remove()


class TestCeleryWorkerConfig:
    def test_should_resolve_from_the_plugins_folder_with_airflows_broker_settings(self, worker_main):
        assert worker_main["broker_url"] == "redis://127.0.0.1:6379/0"

    @pytest.mark.parametrize("held", ["git_bundle", "task_decorator", "sdk_plugins_loaded"])
    def test_should_prepare_what_every_task_needs_only_once_the_worker_starts(self, worker_main, held):
        assert (worker_main["before"][held], worker_main["after"][held]) == (False, True)

    def test_should_load_the_platform_plugin_into_the_task_sdk(self, worker_main):
        assert "dataplatform" in worker_main["sdk_plugins"]

    def test_should_configure_the_orm_mappers_before_the_pool_forks(self, worker_main):
        assert worker_main["mappers_configured"] is True


class TestResultBackend:
    def test_should_be_celerys_database_backend_keeping_its_engine(self, result_sessions):
        assert result_sessions["backend"] == "EngineKeepingDatabaseBackend"

    def test_should_reuse_one_connection_in_a_process_that_has_not_forked(self, result_sessions):
        assert len(set(result_sessions["parent"])) == 1

    def test_should_give_a_forked_child_its_own_connection_and_leave_the_parents_open(self, result_sessions):
        parent = result_sessions["parent"][0]
        assert (result_sessions["child"] != parent, result_sessions["parent_after_fork"]) == (True, parent)
