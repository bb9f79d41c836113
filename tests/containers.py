"""Image builds the container suites share (tests/images, tests/release, tests/compose_up): warm, seconds each."""

from __future__ import annotations

import subprocess
from pathlib import Path

from airflow_settings.versions import AIRFLOW_VERSION

REPO = Path(__file__).resolve().parents[1]
AIRFLOW_IMAGE = f"airflow-on-aws:{AIRFLOW_VERSION}"


def make_image(engine: str = "podman", tag: str = AIRFLOW_IMAGE) -> None:
    """`make image`, as a developer builds it, so that no test runs an image older than the tree."""
    build = subprocess.run(
        ["make", "--no-print-directory", "image", f"CONTAINER_ENGINE={engine}", f"IMAGE={tag}"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, f"make image failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}"


def build_stand_in(tag: str, folder: str) -> None:
    """`podman build` of a stand-in's folder of images/ (its Dockerfile and context), tagged `tag`."""
    build = subprocess.run(
        ["podman", "build", "--format", "docker", "--quiet", "-t", tag, folder],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, f"podman build {folder} failed:\n{build.stderr[-4000:]}"
