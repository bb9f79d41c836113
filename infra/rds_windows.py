"""RDS's backup and maintenance windows as sets of minutes: the pure arithmetic behind database_rules.window_problems.

A backup window (PreferredBackupWindow, hh24:mi-hh24:mi) recurs every day, a maintenance window
(PreferredMaintenanceWindow, ddd:hh24:mi-ddd:hh24:mi) every week, both in UTC; either may wrap around (past
midnight, past Sunday). https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
"""

from __future__ import annotations

import re

MIN_WINDOW_MINUTES = 30
"""RDS: each window "must be at least 30 minutes"."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY, WEEK = 24 * 60, 7 * 24 * 60

_TIME = r"([01]\d|2[0-3]):([0-5]\d)"
_WEEKDAY = f"({'|'.join(WEEKDAYS)})"
BACKUP_WINDOW = re.compile(rf"{_TIME}-{_TIME}")
MAINTENANCE_WINDOW = re.compile(rf"{_WEEKDAY}:{_TIME}-{_WEEKDAY}:{_TIME}")


def backup_minutes(window: str) -> set[int] | None:
    """The minutes of the day a backup window covers; None when it is not hh24:mi-hh24:mi."""
    found = BACKUP_WINDOW.fullmatch(window)
    if found is None:
        return None
    start_h, start_m, end_h, end_m = (int(part) for part in found.groups())
    return _span(start_h * 60 + start_m, end_h * 60 + end_m, DAY)


def maintenance_minutes(window: str) -> set[int] | None:
    """The minutes of the week (from Monday 00:00) a maintenance window covers; None when it is not
    ddd:hh24:mi-ddd:hh24:mi."""
    found = MAINTENANCE_WINDOW.fullmatch(window)
    if found is None:
        return None
    start_day, start_h, start_m, end_day, end_h, end_m = found.groups()
    start = WEEKDAYS.index(start_day) * DAY + int(start_h) * 60 + int(start_m)
    end = WEEKDAYS.index(end_day) * DAY + int(end_h) * 60 + int(end_m)
    return _span(start, end, WEEK)


def overlap(backup: set[int], maintenance: set[int]) -> bool:
    """Whether the daily backup window falls, on some day, inside the weekly maintenance window."""
    return any(day * DAY + minute in maintenance for day in range(len(WEEKDAYS)) for minute in backup)


def _span(start: int, end: int, period: int) -> set[int]:
    """The minutes from `start` up to `end` on a clock of `period` minutes."""
    return {minute % period for minute in range(start, start + (end - start) % period)}
