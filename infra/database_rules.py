"""The metadata database's config rules, as config_rules.py words them: RDS's storage and window limits, and what
size prod requires on top of its preset."""

from __future__ import annotations

from infra.config_sections import DatabaseConfig
from infra.rds_windows import MIN_WINDOW_MINUTES, WEEKDAYS, backup_minutes, maintenance_minutes, overlap

PRODUCTION_BACKUP_RETENTION_DAYS = 7
"""The policy pack's rds-backup-retention minimum in production (policy/…/rds.py, which the pack can't import from
here; a test holds the two equal)."""


def database_problems(database: DatabaseConfig) -> list[str]:
    problems = []
    # RDS: "You must set the maximum storage threshold to be at least 10% more than the current allocated
    # storage", or it answers "Invalid max storage size". Integer GiB: ceil(allocated * 1.1).
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html
    least = -(-database.allocated_storage_gb * 11 // 10)
    if database.max_allocated_storage_gb < least:
        problems.append(
            f"database.maxAllocatedStorageGb: {database.max_allocated_storage_gb} is less than 10 % above "
            f"allocatedStorageGb ({database.allocated_storage_gb}), which RDS refuses; fix: raise it to {least} "
            "or more (AWS suggests 26 % above, to avoid storage-threshold alerts), or lower allocatedStorageGb"
        )
    return problems + window_problems(database)


def window_problems(database: DatabaseConfig) -> list[str]:
    """The backup and maintenance windows as RDS takes them: UTC, at least 30 minutes each, the daily backup
    never inside the weekly maintenance (rds_windows.py does the arithmetic)."""
    problems = []
    backup = backup_minutes(database.backup_window)
    if backup is None:
        problems.append(
            f"database.backupWindow: {database.backup_window!r} is not hh24:mi-hh24:mi (UTC); fix: write it like "
            "02:00-03:00"
        )
    maintenance = maintenance_minutes(database.maintenance_window)
    if maintenance is None:
        problems.append(
            f"database.maintenanceWindow: {database.maintenance_window!r} is not ddd:hh24:mi-ddd:hh24:mi (UTC, "
            f"days {', '.join(WEEKDAYS)}); fix: write it like sun:04:00-sun:05:00"
        )
    if backup is None or maintenance is None:
        return problems
    for key, window, minutes in (
        ("backupWindow", database.backup_window, backup),
        ("maintenanceWindow", database.maintenance_window, maintenance),
    ):
        if len(minutes) < MIN_WINDOW_MINUTES:
            problems.append(
                f"database.{key}: {window!r} lasts {len(minutes)} minutes, and RDS needs at least "
                f"{MIN_WINDOW_MINUTES}; fix: widen it"
            )
    if overlap(backup, maintenance):
        problems.append(
            f"database.backupWindow: {database.backup_window!r} overlaps the maintenanceWindow "
            f"{database.maintenance_window!r}, which RDS refuses; fix: move one of them so the two never meet"
        )
    return problems


def production_problems(size: str, database: DatabaseConfig) -> list[str]:
    """What size prod requires of the database on top of its preset, which a stack may override."""
    if size != "prod":
        return []
    problems = [
        f"database.{key}: must be true when size is prod ({why}); fix: set it to true, or use size dev"
        for key, value, why in (
            ("multiAz", database.multi_az, "one AZ outage must not stop Airflow"),
            ("deletionProtection", database.deletion_protection, "a destroy must not drop the metadata DB"),
        )
        if not value
    ]
    if database.delete_automated_backups:
        problems.append(
            "database.deleteAutomatedBackups: must be false when size is prod (the policy pack's "
            "rds-keep-automated-backups-in-prod: point-in-time restore must outlive a deleted instance); fix: set "
            "it to false, or use size dev"
        )
    if database.backup_retention_days < PRODUCTION_BACKUP_RETENTION_DAYS:
        problems.append(
            f"database.backupRetentionDays: {database.backup_retention_days} is under the "
            f"{PRODUCTION_BACKUP_RETENTION_DAYS} days the policy pack requires in prod (rds-backup-retention); "
            f"fix: keep at least {PRODUCTION_BACKUP_RETENTION_DAYS}, or use size dev"
        )
    return problems
