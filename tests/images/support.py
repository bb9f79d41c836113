"""Helpers of the image suite: the engine choice and container runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def container_engine() -> str:
    """CONTAINER_ENGINE, else docker when its engine answers, else podman: the same choice as `make image`."""
    if engine := os.environ.get("CONTAINER_ENGINE"):
        return engine
    if shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
        return "docker"
    if shutil.which("podman"):
        return "podman"
    pytest.fail("the image suite needs podman or docker with a running engine (or set CONTAINER_ENGINE)")


@dataclass(frozen=True)
class Image:
    """The built image and the engine that runs it."""

    engine: str
    tag: str

    def run(
        self,
        *command: str,
        env: dict[str, str] | None = None,
        volumes: dict[Path, str] | None = None,
        timeout: float = 180,
    ) -> subprocess.CompletedProcess[str]:
        """One container through the image's entrypoint, removed afterwards."""
        return subprocess.run(
            [self.engine, "run", "--rm", *self._options(env, volumes), self.tag, *command],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *command: str, env: dict[str, str] | None = None, volumes: dict[Path, str] | None = None) -> str:
        """A detached container through the entrypoint; returns its name."""
        name = f"airflow-image-test-{uuid.uuid4().hex[:10]}"
        subprocess.run(
            [
                self.engine,
                "run",
                "--detach",
                "--name",
                name,
                *self._options(env, volumes),
                self.tag,
                *command,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return name

    def remove(self, name: str) -> None:
        subprocess.run([self.engine, "rm", "--force", name], capture_output=True)

    def exec(self, name: str, *command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.engine, "exec", name, *command], capture_output=True, text=True, timeout=timeout)

    def logs(self, name: str) -> str:
        result = subprocess.run([self.engine, "logs", name], capture_output=True, text=True)
        return result.stdout + result.stderr

    @staticmethod
    def _options(env: dict[str, str] | None, volumes: dict[Path, str] | None) -> list[str]:
        options: list[str] = []
        for key, value in (env or {}).items():
            options += ["--env", f"{key}={value}"]
        for source, target in (volumes or {}).items():
            options += ["--volume", f"{source}:{target}"]
        return options
