"""A Docker Engine API on this machine: podman's own service, and the healthcheck timers systemd would run.

`podman system service` answers the Docker-compatible API on a unix socket; compose v2 talks to it through
DOCKER_HOST as it would to dockerd. One thing podman leaves to its host: it runs a container's healthcheck from a
systemd timer (`podman healthcheck run <id>` every interval), and this machine has no systemd, so without
`HealthcheckTimers` every container would stay "starting" and nothing that `depends_on` a healthy service would
start. The timers run the container's own check at its own interval, the first one interval after podman records
the container's start, as systemd's timer first fires one interval after podman makes it at that start; podman
itself applies the start period, the timeout and the retries.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from local_airflow.processes import wait_for

SERVICE_START_TIMEOUT = 30


@contextlib.contextmanager
def docker_api(socket_path: Path) -> Iterator[str]:
    """`podman system service` on `socket_path` until the block ends; yields the DOCKER_HOST for it."""
    service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{socket_path}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: socket_path.is_socket() or service.poll() is not None, SERVICE_START_TIMEOUT, "podman's API")
        if service.poll() is not None:
            raise RuntimeError(f"podman system service exited {service.returncode}: {service.stderr.read()}")
        yield f"unix://{socket_path}"
    finally:
        service.terminate()
        service.wait(timeout=30)


def _podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True)


class HealthcheckTimers:
    """systemd's part of podman's healthchecks, for the containers of one compose project."""

    def __init__(self, project: str):
        self.project = project
        self._stopped = threading.Event()
        self._timers: dict[str, threading.Thread] = {}
        self._follower = threading.Thread(target=self._follow, name=f"healthchecks-{project}", daemon=True)

    def __enter__(self) -> HealthcheckTimers:
        # Each start of a container of the project, as podman records it: where podman would make its timer.
        self._starts = subprocess.Popen(
            ["podman", "events", "--since", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
            + ["--filter", "event=start", "--filter", f"label=com.docker.compose.project={self.project}"]
            + ["--format", "{{.ID}}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        self._follower.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._starts.terminate()
        self._starts.wait(timeout=30)
        self._follower.join()
        for timer in self._timers.values():
            timer.join()

    def _follow(self) -> None:
        # A restarted container (restart: always) keeps its id, and its timer.
        for line in self._starts.stdout:
            container = line.strip()
            if container and container not in self._timers and (interval := self._interval_s(container)):
                timer = threading.Thread(target=self._run_checks, args=(container, interval), daemon=True)
                self._timers[container] = timer
                timer.start()

    @staticmethod
    def _interval_s(container: str) -> float | None:
        inspected = _podman("inspect", "--format", "{{json .Config.Healthcheck}}", container)
        healthcheck = json.loads(inspected.stdout or "null") if inspected.returncode == 0 else None
        if not healthcheck or healthcheck.get("Test", ["NONE"])[0] == "NONE":
            return None
        return healthcheck["Interval"] / 1e9

    def _run_checks(self, container: str, interval: float) -> None:
        # The container's own outcome is podman's to record (State.Health); a removed container ends its timer.
        while not self._stopped.wait(interval):
            if _podman("container", "exists", container).returncode != 0:
                return
            _podman("healthcheck", "run", container)
