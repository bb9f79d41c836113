"""MWAA's input rules and the Airflow options it receives: pure, checked before anything is created."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_settings.render import as_mwaa_options
from infra.config_sections import MwaaConfig
from mwaa.layout import ARTIFACT_FILES


@dataclass(frozen=True)
class ClassLimits:
    """What one MWAA environment class runs."""

    schedulers: tuple[int, int]
    """Fewest and most schedulers."""
    max_workers: int
    """Most workers maxWorkers may name."""


_SCALING = ClassLimits(schedulers=(2, 5), max_workers=25)
CLASS_LIMITS: dict[str, ClassLimits] = {
    # "mw1.micro does not support auto-scaling": one scheduler and one worker, as one task.
    "mw1.micro": ClassLimits(schedulers=(1, 1), max_workers=1),
    **{size: _SCALING for size in ("mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge")},
}
"""Schedulers: "For environments larger than mw1.micro, accepts values from 2 to 5" (CreateEnvironment); workers:
MaxWorkers "between 1 and 25" (pulumi-aws mwaa.Environment).
https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html"""
MWAA_ENVIRONMENT_CLASSES = tuple(CLASS_LIMITS)

REFUSED_OPTIONS = {
    # MWAA runs its own CeleryExecutor on SQS and rejects an executor override.
    "core.executor": "MWAA manages the executor (Celery on SQS)",
    # MWAA signs users in through IAM with its own auth manager.
    "core.auth_manager": "MWAA manages authentication",
    # MWAA points Celery at its own module (SQS broker); settings.yaml records that value for the mwaa target.
    "celery.celery_config_options": "MWAA configures Celery on SQS with its own module",
    # MWAA sets log levels per log type; this value feeds logging_configuration instead (mwaa_log_level).
    "logging.logging_level": "set per log type through the environment's logging_configuration",
}
"""Options from airflow_settings that MWAA refuses in airflow_configuration_options, with the reason."""

LOG_GROUPS = {
    "dag_processing_logs": "DAGProcessing",
    "scheduler_logs": "Scheduler",
    "task_logs": "Task",
    "webserver_logs": "WebServer",
    "worker_logs": "Worker",
}
"""Log type -> the suffix of the CloudWatch log group MWAA writes it to, airflow-<environment>-<suffix>. MWAA creates
a group that doesn't exist yet, with no retention; one created before the environment is used as it is."""
LOG_TYPES = tuple(LOG_GROUPS)
LOG_RETENTION_DAYS = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545),
    *(731, 1096, 1827, 2192, 2557, 2922, 3288, 3653),
)
"""The retention periods CloudWatch Logs offers (PutRetentionPolicy), up to 10 years.
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html"""


def log_group_name(environment_name: str, log_type: str) -> str:
    """The CloudWatch log group of one MWAA log type."""
    return f"airflow-{environment_name}-{LOG_GROUPS[log_type]}"


def log_retention_problems(days: int) -> list[str]:
    """storage.logRetentionDays as the retention of MWAA's log groups, which CloudWatch takes from a fixed list."""
    if days in LOG_RETENTION_DAYS:
        return []
    nearest = min(LOG_RETENTION_DAYS, key=lambda offered: abs(offered - days))
    return [
        f"storage.logRetentionDays: {days} is not a retention CloudWatch Logs offers, and MWAA's log groups keep "
        f"logs that long; fix: choose one of {', '.join(map(str, LOG_RETENTION_DAYS))} (nearest: {nearest})"
    ]


def mwaa_configuration_options(settings: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """`airflow_configuration_options` from the mwaa target's settings, minus what MWAA refuses."""
    return {key: value for key, value in as_mwaa_options(settings).items() if key not in REFUSED_OPTIONS}


def mwaa_log_level(settings: Mapping[str, Mapping[str, Any]]) -> str:
    """The level every MWAA log type uses: the settings' logging.logging_level (INFO when unset)."""
    return str(settings.get("logging", {}).get("logging_level", "INFO"))


def artifact_problems(directory: Path) -> list[str]:
    """The artifacts `make mwaa-artifacts` builds, looked for in `directory` (mwaa.artifactsDir, resolved)."""
    missing = [file_name for file_name in ARTIFACT_FILES.values() if not (directory / file_name).is_file()]
    if not missing:
        return []
    return [
        f"mwaa.artifactsDir: {', '.join(missing)} missing in {directory}; fix: run `make mwaa-artifacts`, or "
        "point mwaa.artifactsDir at the folder holding them"
    ]


def mwaa_input_problems(
    mwaa: MwaaConfig, *, bucket_prefix: str, versioning: bool, subnet_zones: Sequence[str] | None = None
) -> list[str]:
    """Every broken MWAA input rule as "key: problem; fix: …" (empty when all hold). `subnet_zones`, once the
    network exists: the zones of the two subnets the environment gets."""
    problems = []
    if not bucket_prefix.startswith("airflow-"):
        problems.append(
            f"namePrefix: {bucket_prefix!r} must start with 'airflow-' because MWAA's source bucket "
            "name must; fix: set namePrefix to airflow-<something>"
        )
    if not versioning:
        problems.append("storage.versioning: MWAA requires a versioned source bucket; fix: set it to true")
    if mwaa.environment_class not in MWAA_ENVIRONMENT_CLASSES:
        problems.append(
            f"mwaa.environmentClass: {mwaa.environment_class!r} is not an MWAA class; fix: choose one of "
            f"{', '.join(MWAA_ENVIRONMENT_CLASSES)}"
        )
    if mwaa.webserver_access_mode == "PUBLIC_ONLY":
        problems.append(
            "mwaa.webserverAccessMode: PUBLIC_ONLY puts the Airflow UI on the Internet, which the policy pack "
            "refuses (mwaa-private-webserver); fix: use PRIVATE_ONLY and reach the UI through the VPC (VPN or "
            "bastion)"
        )
    limits = CLASS_LIMITS.get(mwaa.environment_class)
    if limits is not None:
        problems += _class_problems(mwaa, limits)
    if mwaa.min_workers > mwaa.max_workers:
        problems.append(
            f"mwaa.minWorkers: {mwaa.min_workers} exceeds mwaa.maxWorkers ({mwaa.max_workers}); fix: lower "
            "minWorkers or raise maxWorkers"
        )
    if subnet_zones is not None and (len(subnet_zones) != 2 or len(set(subnet_zones)) != 2):
        problems.append(
            f"network: MWAA needs exactly two private subnets in two zones, got zones "
            f"{list(subnet_zones)}; fix: set network.azCount to 2 or more"
        )
    return problems


def _class_problems(mwaa: MwaaConfig, limits: ClassLimits) -> list[str]:
    problems = []
    least, most = limits.schedulers
    if not least <= mwaa.schedulers <= most:
        runs = f"exactly {least}" if least == most else f"{least} to {most}"
        fix = "choose mw1.small or larger" if least == most else "choose mw1.micro for a single scheduler"
        problems.append(
            f"mwaa.schedulers: {mwaa.environment_class} runs {runs} {_plural('scheduler', most)}, got "
            f"{mwaa.schedulers}; fix: set schedulers to {least if mwaa.schedulers < least else most}, or {fix}"
        )
    if mwaa.max_workers > limits.max_workers:
        problems.append(
            f"mwaa.maxWorkers: {mwaa.environment_class} runs at most {limits.max_workers} "
            f"{_plural('worker', limits.max_workers)}, got {mwaa.max_workers}; fix: set minWorkers and maxWorkers "
            f"to {limits.max_workers} or less, or choose a larger class"
        )
    return problems


def _plural(noun: str, count: int) -> str:
    return noun if count == 1 else f"{noun}s"
