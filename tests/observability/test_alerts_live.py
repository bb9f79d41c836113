"""The shipped rules, evaluated by the real Prometheus on the native stack: kill the scheduler and SchedulerDown
fires within 60 s of the last heartbeat (its window plus its `for:`), then clears when it is back."""

from __future__ import annotations

import re
import time

import pytest

from local_airflow.observability import Prometheus
from local_airflow.processes import wait_for
from local_airflow.stack import NativeStack
from observability.rules import rule_groups

pytestmark = pytest.mark.stack

ALERT = "SchedulerDown"
# Prometheus scrapes and evaluates every second here (tests/observability/conftest.py); it may take a few
# evaluations more than the rule's own window and `for:` to report the alert as firing.
EVALUATION_SLACK_S = 15
# Airflow's scheduler_heartbeat_sec (stock 5 s): the last heartbeat came at most this long before the kill.
HEARTBEAT_INTERVAL_S = 5


def duration_s(text: str) -> int:
    """Seconds in a Prometheus duration of seconds and minutes ("30s", "1m30s")."""
    units = {"s": 1, "m": 60}
    return sum(int(amount) * units[unit] for amount, unit in re.findall(r"(\d+)([sm])", text))


def rule(name: str) -> dict:
    (found,) = [r for group in rule_groups() for r in group["rules"] if r.get("alert") == name]
    return found


def alert_states(prometheus: Prometheus, name: str) -> set[str]:
    return {alert["state"] for alert in prometheus.alerts() if alert["labels"]["alertname"] == name}


def test_should_fire_scheduler_down_when_the_scheduler_dies(observed_stack: NativeStack, prometheus: Prometheus):
    scheduler_down = rule(ALERT)
    window = re.search(r"\[(\w+)\]", scheduler_down["expr"]).group(1)
    window_s, for_s = duration_s(window), duration_s(scheduler_down["for"])
    # Right after a start the counter has not moved yet and the rule is briefly pending: wait for steady beats.
    wait_for(
        lambda: (
            prometheus.query(f"increase(airflow_scheduler_heartbeat[{window}]) > 0")
            and not alert_states(prometheus, ALERT)
        ),
        60,
        f"scheduler heartbeats, and no {ALERT}",
        interval=1,
    )

    killed_at = time.monotonic()
    observed_stack.kill_component("scheduler", hold=True)
    try:
        wait_for(
            lambda: "firing" in alert_states(prometheus, ALERT),
            window_s + for_s + EVALUATION_SLACK_S,
            f"{ALERT} to fire",
            interval=1,
            diagnostics=lambda: f"alerts: {prometheus.alerts()}",
        )
        fired_after = time.monotonic() - killed_at
        # Not before the window and the `for:` have run out (the last heartbeat may predate the kill a little).
        earliest_s = window_s + for_s - HEARTBEAT_INTERVAL_S
        assert fired_after >= earliest_s, f"{ALERT} fired {fired_after:.0f} s after the kill, before {earliest_s} s"
    finally:
        observed_stack.start_component("scheduler")
    observed_stack.wait_healthy()
    cleared = window_s + EVALUATION_SLACK_S
    wait_for(lambda: not alert_states(prometheus, ALERT), cleared, f"{ALERT} to clear", interval=1)
