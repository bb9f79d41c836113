"""Celery configuration of the platform's workers: Airflow's own, plus a warm-up before the pool forks.

`[celery] celery_config_options` points here (airflow_settings/settings.yaml; MWAA keeps its own).

Each task runs in a process forked from a Celery pool process, itself forked from the worker's main process.
What the main process has imported, every task inherits; what it has not, every task imports again. Airflow
leaves two such costs to each task (measured by bench/stack.py's 200-task fan-out):
- the DAG bundle classes: each task reads the bundle config and imports every bundle class, GitPython's
  hundred modules for GitDagBundle among them;
- the ORM mappers: the first Celery result written by each pool process configures every Airflow model.
`warm_worker` does both once, in the main process, before the pool starts. Both are imports and in-memory
set-up only (no connection, thread or file is opened), so nothing unsafe is shared across the fork.
Plugins are preloaded by Airflow itself (`[core] lazy_load_plugins = False`).
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

log = logging.getLogger(__name__)

CELERY_CONFIG = DEFAULT_CELERY_CONFIG


@worker_init.connect(weak=False, dispatch_uid="dataplatform.celery_worker.warm_worker")
def warm_worker(**_: Any) -> None:
    """Import what every task would import, in the worker's main process (Celery's `worker_init`)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.models import import_all_models
    from sqlalchemy.orm import configure_mappers

    bundles = DagBundlesManager()  # imports the class of every configured bundle
    import_all_models()
    configure_mappers()
    log.info("Worker warmed before the pool forks: bundle classes of %s imported, ORM mappers configured",
             ", ".join(sorted(bundles.get_all_bundle_names())))
