"""Fixtures for the image suite: the image built from this tree, a long-lived container of it.

The suite builds the image itself (`make image`, warm in seconds), so `make test` on a fresh machine builds it
and a test never runs against an image older than the tree.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
import testinfra

from airflow_settings.versions import AIRFLOW_VERSION
from tests.images.support import REPO, Image, container_engine


@pytest.fixture(scope="session")
def image() -> Image:
    engine = container_engine()
    tag = os.environ.get("IMAGE", f"airflow-on-aws:{AIRFLOW_VERSION}")
    build = subprocess.run(
        ["make", "--no-print-directory", "image", f"CONTAINER_ENGINE={engine}", f"IMAGE={tag}"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, f"make image failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}"
    return Image(engine=engine, tag=tag)


@pytest.fixture(scope="session")
def host(image: Image) -> Iterator[testinfra.host.Host]:
    """A container of the image that stays up for the session (no DB wait), seen as its default user."""
    name = image.start("bash", "-c", "exec sleep infinity", env={"CONNECTION_CHECK_MAX_COUNT": "0"})
    try:
        yield testinfra.get_host(f"{image.engine}://{name}")
    finally:
        image.remove(name)


@pytest.fixture(scope="session")
def root_host(host: testinfra.host.Host, image: Image) -> testinfra.host.Host:
    """The same container seen as root, for paths the airflow user cannot read."""
    return testinfra.get_host(f"{image.engine}://root@{host.backend.name}")
