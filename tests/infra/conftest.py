"""Fixtures: each committed stack built once per session under the mock runtime (see harness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Built, build_stack, stack_config


@pytest.fixture(scope="session")
def dev_stack() -> Built:
    return build_stack("dev", stack_config("dev"))


@pytest.fixture(scope="session")
def prod_stack() -> Built:
    return build_stack("prod", stack_config("prod"))


@pytest.fixture(scope="session")
def mwaa_stack(mwaa_artifacts: Path) -> Built:
    config = stack_config("mwaa")
    config["airflow-aws:mwaa"] = {**config["airflow-aws:mwaa"], "artifactsDir": str(mwaa_artifacts)}
    return build_stack("mwaa", config)


@pytest.fixture(scope="session")
def mwaa_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stand-ins for `make mwaa-artifacts` output: the program only needs the files to exist."""
    directory = tmp_path_factory.mktemp("mwaa-artifacts")
    for file_name in ("requirements.txt", "plugins.zip", "startup.sh"):
        (directory / file_name).write_bytes(b"artifact " + file_name.encode())
    return directory
