"""Fixtures for the image suite: the image built from this tree, a long-lived container of it.

The suite builds the image itself (`make image`, warm in seconds), so `make test` on a fresh machine builds it
and a test never runs against an image older than the tree.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import testinfra

from tests.containers import AIRFLOW_IMAGE, make_image
from tests.images.support import Image, container_engine


@pytest.fixture(scope="session")
def image() -> Image:
    engine = container_engine()
    tag = os.environ.get("IMAGE", AIRFLOW_IMAGE)
    make_image(engine, tag)
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
