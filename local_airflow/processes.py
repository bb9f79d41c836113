"""Processes of the local stacks: free ports, polling with a deadline, process sessions, health waits.

`make dev` (dev.py) and the native stack (stack.py) both start Airflow as processes that lead a session of their
own (`start_new_session=True`), and both must leave nothing behind: a running task sits in its own process
group, so stopping a component means stopping every process of its session, not just its group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

# What /api/v2/monitor/health reports on; the Celery workers are not among them.
HEALTH_PARTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")
# After SIGKILL, how long the kernel gets to reap a session before stopping it counts as failed.
REAP_TIMEOUT_S = 10
# How much of a diagnostics text a timeout message carries: the end, where the latest lines are.
DIAGNOSTICS_TAIL = 4000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether nothing accepts connections on 127.0.0.1:`port`."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


class GiveUp(Exception):
    """Raised by a wait_for condition to stop waiting at once: what it waits for can no longer happen."""


def wait_for(
    condition: Callable[[], Any],
    timeout: float,
    what: str,
    interval: float = 0.2,
    diagnostics: Callable[[], str] | None = None,
) -> Any:
    """Poll until condition() is truthy and return its value; at the deadline raise TimeoutError.

    An exception from condition() counts as "not yet" (a service that is still starting refuses connections),
    except GiveUp, which passes through; the last one, and the tail of `diagnostics()` when given (a log, a
    health report), go into the message.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            if value := condition():
                return value
        except GiveUp:
            raise
        except Exception as err:  # not ready yet; reported if it never gets there
            last_error = err
        if time.monotonic() > deadline:
            message = f"gave up after {timeout:.0f} s waiting for {what}"
            if last_error is not None:
                message += f" (last error: {last_error!r})"
            if diagnostics is not None:
                message += f":\n{_safely(diagnostics)[-DIAGNOSTICS_TAIL:]}"
            raise TimeoutError(message)
        time.sleep(interval)


def _safely(diagnostics: Callable[[], str]) -> str:
    try:
        return diagnostics()
    except Exception as err:  # the timeout is the error to report; its diagnostics are a bonus
        return f"(no diagnostics: {err!r})"


# ---- sessions --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessEntry:
    """One line of the process table: what /proc/PID/stat says of a process."""

    pid: int
    state: str  # "Z" for a zombie: dead, waiting to be reaped
    parent: int
    session: int

    @property
    def alive(self) -> bool:
        return self.state != "Z"


def process_table() -> list[ProcessEntry]:
    """Every process now, from /proc/PID/stat; one that ends while it is read is left out."""
    entries = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # After the command name (which may hold spaces and parentheses): state, ppid, pgrp, session, ...
            state, parent, _group, session = stat.read_text().rsplit(")", 1)[1].split()[:4]
            entries.append(ProcessEntry(int(stat.parent.name), state, int(parent), int(session)))
    return entries


def session_pids(session_id: int) -> list[int]:
    """Every live process in a session."""
    return [entry.pid for entry in process_table() if entry.session == session_id and entry.alive]


def signal_session(session_id: int, sig: int) -> None:
    for pid in session_pids(session_id):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def stop_session(process: subprocess.Popen, sig: int, grace_s: float, *, leader_only: bool = False) -> None:
    """Stop `process`, a session leader, and every other process of its session.

    `sig` goes to every member, or with `leader_only` to the leader alone: a supervisor such as
    `airflow standalone` stops its own children, and whatever of the session outlives it then gets SIGTERM and
    another `grace_s`. What is left after that gets SIGKILL. Raises TimeoutError if anything survives even that.
    """
    if leader_only:
        if process.poll() is None:
            process.send_signal(sig)
    else:
        signal_session(process.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace_s)
    if leader_only:
        signal_session(process.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            wait_for(lambda: not session_pids(process.pid), grace_s, "the session to end on SIGTERM")
    signal_session(process.pid, signal.SIGKILL)
    process.wait()
    wait_for(lambda: not session_pids(process.pid), REAP_TIMEOUT_S, f"session {process.pid} to end on SIGKILL")


def stop_on_signals(*signals: int) -> None:
    """Turn the first of `signals` (a timeout, a CI cancel, Ctrl-C) into KeyboardInterrupt and ignore later ones,
    so the `finally` that stops the stack runs once, to the end."""

    def interrupt(signum: int, _frame: object) -> None:
        for sig in signals:
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in signals:
        signal.signal(sig, interrupt)


# ---- Airflow's health endpoint ---------------------------------------------------------------------------


def health_report(base_url: str) -> dict[str, Any] | None:
    """/api/v2/monitor/health as JSON, or None while the API server does not answer it."""
    try:
        response = requests.get(f"{base_url}/api/v2/monitor/health", timeout=5)
    except requests.RequestException:
        return None
    return response.json() if response.ok else None


def all_healthy(report: dict[str, Any] | None) -> bool:
    return bool(report) and all((report.get(part) or {}).get("status") == "healthy" for part in HEALTH_PARTS)


class ExitedEarly(GiveUp):
    """The process that should have become healthy ended first."""


def wait_healthy(
    base_url: str, timeout: float, *, interval: float = 0.2, process: subprocess.Popen | None = None
) -> dict[str, Any]:
    """Poll the health endpoint until every part in HEALTH_PARTS is healthy; return the report.

    With `process`, raise ExitedEarly as soon as it ends instead of waiting out the deadline.
    """

    def healthy() -> dict[str, Any] | None:
        if process is not None and process.poll() is not None:
            raise ExitedEarly(f"exited with code {process.returncode} before it was healthy")
        report = health_report(base_url)
        return report if all_healthy(report) else None

    return wait_for(
        healthy,
        timeout,
        f"health of {', '.join(HEALTH_PARTS)}",
        interval=interval,
        diagnostics=lambda: f"last health report: {health_report(base_url)}",
    )
