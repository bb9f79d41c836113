"""A Docker Engine API on this machine: podman's own service, and the healthcheck timers systemd would run.

`podman system service` answers the Docker-compatible API on a unix socket; compose v2 talks to it through
DOCKER_HOST as it would to dockerd. One thing podman leaves to its host: it runs a container's healthcheck from a
systemd timer (`podman healthcheck run <id>` every interval), and this machine has no systemd, so without
`HealthcheckTimers` every container would stay "starting" and nothing that `depends_on` a healthy service would
start. The timers run the container's own check, with its own interval, first one interval after the container is
seen, as systemd's timer first fires one interval after the container starts; podman itself applies the start
period, the timeout and the retries.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from local_airflow.processes import wait_for

SERVICE_START_TIMEOUT = 30
# How often new containers are looked for: a container's first check is due one interval (10 s or more in the
# compose file) after it starts, so a second's delay in seeing it is within systemd's own timer accuracy.
DISCOVERY_INTERVAL_S = 1.0


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
        self._discovery = threading.Thread(target=self._discover, name=f"healthchecks-{project}", daemon=True)

    def __enter__(self) -> HealthcheckTimers:
        self._discovery.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._discovery.join()
        for timer in self._timers.values():
            timer.join()

    def _discover(self) -> None:
        while not self._stopped.wait(DISCOVERY_INTERVAL_S):
            listed = _podman(
                "ps", "--quiet", "--no-trunc", "--filter", f"label=com.docker.compose.project={self.project}"
            )
            for container in listed.stdout.split():
                if container not in self._timers:
                    interval = self._interval_s(container)
                    if interval is not None:
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
