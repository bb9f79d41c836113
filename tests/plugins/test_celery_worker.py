"""The workers' Celery config (plugins/dataplatform/celery_worker.py), loaded the way a worker loads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_settings import load_settings

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


@pytest.fixture(scope="module")
def worker_main(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a worker's main process holds before and after Celery's `worker_init`, started once per module."""
    tmp_path = tmp_path_factory.mktemp("worker")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS":
            load_settings().for_target("compose")["celery"]["celery_config_options"],
        "AIRFLOW__CELERY__BROKER_URL": "redis://127.0.0.1:6379/0",
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps([
            {"name": "git_dags", "classpath": "airflow.providers.git.bundles.git.GitDagBundle",
             "kwargs": {"git_conn_id": "git_dags_repo", "tracking_ref": "main"}},
        ]),
    }
    result = subprocess.run([sys.executable, "-c", WORKER_START], env=env, capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


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
