"""Typed model of the Airflow settings this project manages.

Each section lists the keys we set, with their types. A key that is not declared here is refused, so a
typo in settings.yaml fails loudly instead of being ignored by Airflow. tests/settings/ checks that every
declared key exists in Airflow's own configuration description.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, NonNegativeInt, PositiveFloat, PositiveInt, StrictBool, StrictStr

from airflow_settings.teams import Team

Executor = Literal["CeleryExecutor", "LocalExecutor", "KubernetesExecutor", "CeleryExecutor,KubernetesExecutor"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Section(BaseModel):
    """A config section: every key optional (unset means Airflow's default), unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Core(Section):
    executor: Executor | None = None
    auth_manager: StrictStr | None = None
    dags_are_paused_at_creation: StrictBool | None = None
    load_examples: StrictBool | None = None
    default_task_retries: NonNegativeInt | None = None
    parallelism: PositiveInt | None = None
    max_active_tasks_per_dag: PositiveInt | None = None
    max_active_runs_per_dag: PositiveInt | None = None
    min_serialized_dag_update_interval: NonNegativeInt | None = None
    dagbag_import_timeout: PositiveFloat | None = None
    lazy_load_plugins: StrictBool | None = None


class DagProcessor(Section):
    dag_file_processor_timeout: PositiveInt | None = None
    min_file_process_interval: NonNegativeInt | None = None
    refresh_interval: PositiveInt | None = None
    parsing_processes: PositiveInt | None = None


class Scheduler(Section):
    catchup_by_default: StrictBool | None = None
    scheduler_heartbeat_sec: PositiveInt | None = None
    task_instance_heartbeat_timeout: PositiveInt | None = None
    task_instance_heartbeat_timeout_detection_interval: PositiveFloat | None = None
    task_queued_timeout: PositiveFloat | None = None
    task_queued_timeout_check_interval: PositiveFloat | None = None
    max_tis_per_query: PositiveInt | None = None
    scheduler_idle_sleep_time: PositiveFloat | None = None
    orphaned_tasks_check_interval: PositiveFloat | None = None
    scheduler_health_check_threshold: PositiveInt | None = None


class Workers(Section):
    execution_api_timeout: PositiveFloat | None = None
    execution_api_retries: NonNegativeInt | None = None
    min_heartbeat_interval: PositiveInt | None = None


class Metrics(Section):
    statsd_on: StrictBool | None = None


class Logging(Section):
    logging_level: LogLevel | None = None


class Secrets(Section):
    backend: StrictStr | None = None
    backend_kwargs: dict[str, StrictStr] | None = None


class Api(Section):
    expose_config: StrictBool | None = None


class DbClean(Section):
    """The platform's own section: the retention `airflow db clean` keeps, in days (see PLATFORM_SECTIONS)."""

    retention_days: PositiveInt | None = None


class Celery(Section):
    worker_concurrency: PositiveInt | None = None
    worker_prefetch_multiplier: PositiveInt | None = None
    # An import path, `module.ATTRIBUTE`, to the dict Celery is configured from.
    celery_config_options: StrictStr | None = None


class AirflowConfig(BaseModel):
    """All managed sections. A section missing here is refused as unknown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    core: Core = Core()
    dag_processor: DagProcessor = DagProcessor()
    scheduler: Scheduler = Scheduler()
    workers: Workers = Workers()
    metrics: Metrics = Metrics()
    logging: Logging = Logging()
    secrets: Secrets = Secrets()
    api: Api = Api()
    celery: Celery = Celery()
    db_clean: DbClean = DbClean()


PLATFORM_SECTIONS = frozenset({"db_clean"})
"""Sections this platform defines, not Airflow: rendered like the others (Airflow keeps any section, so DAGs and
jobs read them with `conf`), and never a name Airflow's own configuration uses."""

Target = Literal["dev", "compose", "eks", "mwaa"]
TARGETS: tuple[Target, ...] = ("dev", "compose", "eks", "mwaa")


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dev: AirflowConfig = AirflowConfig()
    compose: AirflowConfig = AirflowConfig()
    eks: AirflowConfig = AirflowConfig()
    mwaa: AirflowConfig = AirflowConfig()


class SettingsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    airflow: AirflowConfig
    targets: Targets = Targets()
    teams: list[Team] = []
    """The local stacks' teams (airflow_settings/teams.py); a deployed stack declares its own in its config."""
