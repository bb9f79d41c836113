"""Celery configuration of the platform: Airflow's own, plus a result backend that keeps its engine and a
warm-up of the worker before its pool forks.

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
import os
from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.backends.database import DatabaseBackend
from celery.backends.database.session import SessionManager
from celery.signals import worker_init
from sqlalchemy import Engine, create_engine

log = logging.getLogger(__name__)


class EngineKeepingSessionManager(SessionManager):
    """Celery's session manager, keeping its pooled engine in every process.

    Celery pools result-backend connections only in processes its pool forked; elsewhere, the scheduler
    among them, it builds a new engine for each session (celery/celery#2661), so each sync of the executor's
    running tasks set up a dialect and logged in to PostgreSQL again (8.6 ms, 4.8 ms of it CPU, instead of
    1.1 ms). Here every process keeps its engine, with Celery's engine options (pre-ping, recycle), and a
    forked child drops the pool it inherits without closing the parent's connections, as SQLAlchemy advises.
    """

    def __init__(self) -> None:
        super().__init__()
        os.register_at_fork(after_in_child=self._drop_inherited_pools)

    def get_engine(self, dburi: str, **kwargs: Any) -> Engine:
        if dburi not in self._engines:
            self._engines[dburi] = create_engine(dburi, **kwargs)
        return self._engines[dburi]

    def _drop_inherited_pools(self) -> None:
        for engine in self._engines.values():
            engine.dispose(close=False)


class EngineKeepingDatabaseBackend(DatabaseBackend):
    """Celery's database result backend, with `EngineKeepingSessionManager`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_manager = EngineKeepingSessionManager()


def _with_engine_keeping_backend(config: dict[str, Any]) -> dict[str, Any]:
    """Celery picks a backend class from the URL's scheme prefix: `db+postgresql://` becomes ours."""
    backend_url = config["result_backend"]
    if not backend_url.startswith("db+"):
        return config
    return {**config, "result_backend": f"{__name__}:EngineKeepingDatabaseBackend+{backend_url[3:]}"}


CELERY_CONFIG = _with_engine_keeping_backend(DEFAULT_CELERY_CONFIG)


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
    log.info(
        "Worker warmed before the pool forks: bundle classes of %s imported, ORM mappers configured, "
        "Task SDK plugins loaded, task decorators imported, module map built",
        ", ".join(sorted(bundles.get_all_bundle_names())),
    )
