"""The pinned Airflow version, read from the one place it is written: pyproject.toml's airflow group."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def airflow_version(pyproject: Path = PYPROJECT) -> str:
    """The `apache-airflow==X.Y.Z` pin of the airflow dependency group."""
    groups = tomllib.loads(pyproject.read_text())["dependency-groups"]
    for requirement in groups["airflow"]:
        if match := re.fullmatch(r"apache-airflow==([0-9][0-9.]*)", requirement):
            return match.group(1)
    raise LookupError(f"{pyproject}: the airflow dependency group has no exact apache-airflow==X.Y.Z pin")


AIRFLOW_VERSION = airflow_version()

if __name__ == "__main__":
    # `python3 airflow_settings/versions.py` prints the version for make and CI without the package's deps.
    print(AIRFLOW_VERSION)
