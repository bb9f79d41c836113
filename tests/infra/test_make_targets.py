"""`make preview`/`make deploy` wrap the pulumi CLI with a clear error when it is missing or too old."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.infra.harness import REPO_ROOT

pytestmark = pytest.mark.infra


def make(target: str, path: str, *variables: str) -> subprocess.CompletedProcess[str]:
    # `-o .venv-infra/.synced`: take the environment as up to date; these tests are about the CLI check.
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv-infra/.synced", target, *variables],
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
    )


def fake_pulumi(directory: Path, version: str) -> str:
    """A `pulumi` on PATH that only answers `pulumi version` and echoes anything else."""
    script = directory / "pulumi"
    script.write_text(f'#!/bin/sh\nif [ "$1" = version ]; then echo v{version}; else echo "pulumi $*"; fi\n')
    script.chmod(0o755)
    return f"{directory}:/usr/bin:/bin"


class TestPulumiCliCheck:
    """The pulumi-cli prerequisite of preview and deploy."""

    def test_should_say_where_to_get_a_missing_cli(self):
        result = make("preview", "/usr/bin:/bin")
        assert result.returncode != 0
        assert "pulumi CLI is not installed: need 3.272.0 or newer, found none" in result.stdout
        assert "pulumi.com/docs/iac/download-install" in result.stdout

    def test_should_refuse_an_old_cli(self, tmp_path: Path):
        result = make("deploy", fake_pulumi(tmp_path, "3.100.0"))
        assert result.returncode != 0
        assert "too old: need 3.272.0 or newer, found 3.100.0" in result.stdout

    def test_should_run_pulumi_for_the_chosen_stack(self, tmp_path: Path):
        result = make("preview", fake_pulumi(tmp_path, "3.280.1"), "STACK=prod")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "pulumi preview --stack prod --diff" in result.stdout


class TestPulumiProject:
    """Pulumi.yaml runs infra/ in the environment `make infra-venv` creates."""

    def test_should_point_the_runtime_at_the_infra_venv(self):
        import yaml

        project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
        makefile = (REPO_ROOT / "Makefile").read_text()
        assert project["name"] == "airflow-aws" and project["main"] == "infra/"
        assert project["runtime"]["options"] == {"toolchain": "pip", "virtualenv": ".venv-infra"}
        assert "VENV_INFRA := .venv-infra" in makefile
        assert (REPO_ROOT / "infra" / "__main__.py").is_file()
