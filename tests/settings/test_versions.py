"""One Airflow version: the pyproject pin is what the lock resolved and what this environment runs."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

from airflow_settings.versions import AIRFLOW_VERSION

REPO = Path(__file__).resolve().parents[2]


def test_pin_is_what_the_lock_resolved():
    packages = tomllib.loads((REPO / "uv.lock").read_text())["package"]
    locked = {package["version"] for package in packages if package["name"] == "apache-airflow"}
    assert locked == {AIRFLOW_VERSION}


def test_pin_is_what_runs_here():
    assert version("apache-airflow") == AIRFLOW_VERSION
