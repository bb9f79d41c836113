"""Metrics are on for every target and really leave the process: the StatsD client is installed, and Airflow's
stats backend is a StatsD logger, never the NoStatsLogger it falls back to when the client is missing.

Each check runs a fresh Python with one target's rendered [metrics] settings, initialises the stats backend the
way the scheduler (airflow.observability) and a task (airflow.sdk) do, sends a heartbeat, and reports which
backend it got and what it logged; a UDP socket of the test stands in for the receiver's port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from airflow_settings import TARGETS, load_settings
from airflow_settings.render import as_env

FALLBACK_LOG = "using NoStatsLogger"
HEARTBEAT = "airflow.scheduler_heartbeat:1|c"

# `stats` and `stats_utils` as the scheduler's and a task's code import them (jobs/scheduler_job_runner.py,
# sdk/execution_time/task_runner.py); "hide-statsd" makes the client unimportable, as an image without it would.
PROBE = """
import json, sys
if sys.argv[2] == "hide-statsd":
    sys.modules["statsd"] = None
if sys.argv[1] == "core":
    from airflow._shared.observability.metrics import stats
    from airflow.configuration import conf
    from airflow.observability.metrics import stats_utils
else:
    from airflow.sdk._shared.observability.metrics import stats
    from airflow.sdk.configuration import conf
    from airflow.sdk.observability.metrics import stats_utils
legacy_names_on = conf.getboolean("metrics", "legacy_names_on")
stats.initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=legacy_names_on)
stats.incr("scheduler_heartbeat", 1, 1)
print(json.dumps({"backend": type(stats._get_backend()).__name__}))
"""


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    """A UDP socket on loopback where the probe's StatsD packets land."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        sink.settimeout(10)
        yield sink


def packets_until(receiver: socket.socket, wanted: str) -> list[str]:
    """Every StatsD packet that arrived, up to `wanted` (Airflow sends others first, e.g. serde timings); a
    socket timeout when it never comes."""
    packets: list[str] = []
    while wanted not in packets:
        packets.append(receiver.recv(4096).decode())
    return packets


def run_probe(target: str, side: str, receiver: socket.socket, *, hide_statsd: bool = False) -> tuple[str, str]:
    """(backend class name, log) of a fresh process with `target`'s [metrics] settings; Airflow logs to stdout."""
    metrics = {"metrics": load_settings().for_target(target).get("metrics", {})}
    env = {
        **os.environ,
        **as_env(metrics),
        "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
        "AIRFLOW__METRICS__STATSD_PORT": str(receiver.getsockname()[1]),
    }
    mode = "hide-statsd" if hide_statsd else "installed"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, side, mode],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"the probe failed:\n{result.stdout}"
    *log, report = result.stdout.splitlines()
    return json.loads(report)["backend"], "\n".join(log)


@pytest.mark.parametrize("side", ["core", "sdk"])
@pytest.mark.parametrize("target", TARGETS)
def test_should_send_statsd_packets_with_a_real_statsd_logger(target: str, side: str, receiver: socket.socket):
    backend, log = run_probe(target, side, receiver)

    assert backend == "SafeStatsdLogger", f"{target} ({side}): stats backend {backend}, log:\n{log}"
    assert FALLBACK_LOG not in log
    assert HEARTBEAT in packets_until(receiver, HEARTBEAT)


def test_should_catch_the_fallback_when_the_client_is_missing(receiver: socket.socket):
    """The checks above fail, as they should, in an environment without the statsd package."""
    backend, log = run_probe("eks", "core", receiver, hide_statsd=True)

    assert backend == "NoStatsLogger"
    assert FALLBACK_LOG in log
