"""`make up` for real: compose v2 on podman's Docker-compatible API, with the images the compose file names.

What stands in for what a developer's machine has:
- Docker Engine: `podman system service`, with the healthcheck timers systemd would run (tests/compose_up/engine.py);
- the Docker Hub images `postgres` and `redis`: images/postgres and images/redis, Debian's packages on the local
  Debian base, tagged with the names docker-compose.yaml uses; the Airflow image is `make image`'s;
- `docker compose`: the pinned compose v2 binary (`make compose-binary`), as DOCKER_COMPOSE.

The project folder (AIRFLOW_PROJ_DIR in its .env) is a temporary one, with the probe DAG in dags/ and a copy of
plugins/, so that a checkout's own .env, logs and override are left alone. Flower (a profile) is not started,
as `make up` does not start it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from local_airflow.compose import COMPOSE_FILE, REPO_ROOT
from local_airflow.compose_check import compose_binary
from local_airflow.compose_env import read_env
from local_airflow.processes import free_port
from local_airflow.rest_client import AirflowClient
from tests.compose_up.engine import HealthcheckTimers, docker_api
from tests.containers import build_stand_in, make_image
from tests.probe_dag import PROBE_DAG_ID, probe_dag

PROJECT = "airflow-compose-up-test"
# The stand-ins for Docker Hub's images, by compose service: their folders of images/.
STAND_IN_IMAGES = {"postgres": "images/postgres", "redis": "images/redis"}
# Measured: about 140 s on a 2-core runner (migration, then healthchecks 30 s apart along the depends_on chain).
MAKE_UP_TIMEOUT = 900


@dataclass
class ComposeProject:
    """The started project and what the tests reach it through."""

    folder: Path
    env: dict[str, str]
    make_up_output: str
    api: AirflowClient

    def make(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A make target of the compose stack, run as a developer runs it, on this project."""
        return make(self.folder, self.env, *args)

    def compose(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(compose_binary()), "--env-file", str(self.folder / ".env"), "-f", str(COMPOSE_FILE), *args]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=120)

    def services(self) -> dict[str, dict[str, Any]]:
        """`compose ps --all`, by service: State, Health, ExitCode, Name, ..."""
        listed = self.compose("ps", "--all", "--format", "json")
        assert listed.returncode == 0, listed.stderr
        return {entry["Service"]: entry for entry in map(json.loads, listed.stdout.splitlines())}

    def labelled(self, kind: str) -> list[str]:
        """The podman objects of `kind` (container, volume, network) that compose made for this project."""
        listed = subprocess.run(
            ["podman", kind, "ls", *(["--all"] if kind == "container" else []), "--quiet"]
            + ["--filter", f"label=com.docker.compose.project={PROJECT}"],
            capture_output=True,
            text=True,
        )
        assert listed.returncode == 0, listed.stderr
        return listed.stdout.split()


def make(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    variables = [
        f"DOCKER_COMPOSE={compose_binary()}",
        f"COMPOSE_ENV_FILE={folder / '.env'}",
        f"COMPOSE_OVERRIDE={folder / 'docker-compose.override.yaml'}",
    ]
    return subprocess.run(
        ["make", "--no-print-directory", *args, *variables],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=MAKE_UP_TIMEOUT,
    )


def build_images() -> None:
    """`make image`, and each stand-in tagged as the compose file names it."""
    make_image()
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    for service, folder in STAND_IN_IMAGES.items():
        # compose asks the engine for a short name as Docker Hub's library image.
        build_stand_in(f"docker.io/library/{services[service]['image']}", folder)


@pytest.fixture(scope="module")
def compose_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeProject]:
    build_images()
    folder = tmp_path_factory.mktemp("compose-project")
    (folder / "dags").mkdir()
    (folder / "dags" / f"{PROBE_DAG_ID}.py").write_text(probe_dag(1))
    (folder / "logs").mkdir()
    shutil.copytree(REPO_ROOT / "plugins", folder / "plugins", ignore=shutil.ignore_patterns("__pycache__"))
    # Values `make up` keeps: the project folder, and a port nothing else on this machine holds.
    (folder / ".env").write_text(f"AIRFLOW_PROJ_DIR={folder}\nAIRFLOW_API_PORT={free_port()}\n")
    with docker_api(folder / "podman.sock") as docker_host, HealthcheckTimers(PROJECT):
        env = {**os.environ, "DOCKER_HOST": docker_host, "COMPOSE_PROJECT_NAME": PROJECT}
        try:
            up = make(folder, env, "up")
            assert up.returncode == 0, f"make up failed:\n{up.stdout[-3000:]}\n{up.stderr[-3000:]}"
            values = read_env(folder / ".env")  # what `make up` wrote: the generated login
            api = AirflowClient(
                f"http://127.0.0.1:{values['AIRFLOW_API_PORT']}",
                values["_AIRFLOW_WWW_USER_USERNAME"],
                values["_AIRFLOW_WWW_USER_PASSWORD"],
            )
            yield ComposeProject(folder, env, up.stdout, api)
        finally:
            make(folder, env, "down", "ARGS=-v")
