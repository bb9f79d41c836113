"""Celery configuration of the platform's workers: Airflow's own, plus a warm-up before the pool forks.

`[celery] celery_config_options` points here (airflow_settings/settings.yaml; MWAA keeps its own).

Each task runs in a process forked from a Celery pool process, itself forked from the worker's main process.
What the main process has imported, every task inherits; what it has not, every task imports again. Airflow
leaves these costs to each task (measured by bench/stack.py's 200-task fan-out):
- the DAG bundle classes: each task reads the bundle config and imports every bundle class, GitPython's
  hundred modules for GitDagBundle among them;
- the ORM mappers: the first Celery result written by each pool process configures every Airflow model;
- the Task SDK's plugins: `[core] lazy_load_plugins = False` preloads Airflow's own plugin manager, but the
  Task SDK keeps a second one, which each task loads again (plugins folder and entry points) to find
  listeners and macros;
- the `@task` decorators: every DAG file uses them, and Airflow's own Celery preload imports the operators
  only, so each task imported the decorator modules while parsing its DAG file;
- the module map of `inspect`: the amazon provider names its caller in the user agent of every AWS client it
  makes, with `inspect.stack()`. The first such call in a process maps every loaded module to its file (some
  4,000 `realpath` calls, ~0.1-0.4 CPU-s), and each pool process made that call on its first task, when the
  S3 remote log handler created its client. Mapped once here, a pool process only maps what it imports later.
`warm_worker` does all of it once, in the main process, before the pool starts. It is imports and in-memory
set-up only (no connection, thread or file is opened), so nothing unsafe is shared across the fork. As with
`lazy_load_plugins`, a changed plugin takes effect when the worker restarts.
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
    import inspect

    import airflow.sdk.definitions.decorators  # noqa: F401 - the `@task` namespace and its decorator modules
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.models import import_all_models
    from airflow.sdk.listener import get_listener_manager
    from airflow.sdk.plugins_manager import integrate_macros_plugins
    from sqlalchemy.orm import configure_mappers

    bundles = DagBundlesManager()  # imports the class of every configured bundle
    import_all_models()
    configure_mappers()
    get_listener_manager()  # loads the Task SDK's plugins, then registers their listeners
    integrate_macros_plugins()
    inspect.getmodule(inspect.currentframe())  # a frame has no __module__: this maps every loaded module
    log.info("Worker warmed before the pool forks: bundle classes of %s imported, ORM mappers configured, "
             "Task SDK plugins loaded, task decorators imported, module map built",
             ", ".join(sorted(bundles.get_all_bundle_names())))
