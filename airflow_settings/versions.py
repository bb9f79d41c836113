"""The pinned Airflow version, read from the one place it is written (pyproject.toml's airflow group), and
the uv that reads the lock."""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# Where `make` bootstraps uv when none is on PATH (the Makefile's TOOLS_DIR).
BOOTSTRAPPED_UV = PYPROJECT.parent / ".state" / "tools" / "uv" / "bin" / "uv"


def airflow_version(pyproject: Path = PYPROJECT) -> str:
    """The `apache-airflow==X.Y.Z` pin of the airflow dependency group."""
    groups = tomllib.loads(pyproject.read_text())["dependency-groups"]
    for requirement in groups["airflow"]:
        if match := re.fullmatch(r"apache-airflow==([0-9][0-9.]*)", requirement):
            return match.group(1)
    raise LookupError(f"{pyproject}: the airflow dependency group has no exact apache-airflow==X.Y.Z pin")


AIRFLOW_VERSION = airflow_version()


def uv_executable() -> str:
    """$UV (make exports the uv it found or bootstrapped), else uv from PATH, else the one make bootstrapped.

    Falls back to plain `uv`, so that a caller running it gets FileNotFoundError and says how to fix it.
    """
    bootstrapped = str(BOOTSTRAPPED_UV) if BOOTSTRAPPED_UV.exists() else "uv"
    found = os.environ.get("UV") or shutil.which("uv") or bootstrapped
    return os.path.abspath(found) if os.sep in found else found


if __name__ == "__main__":
    # `python3 airflow_settings/versions.py` prints the version for make and CI without the package's deps.
    print(AIRFLOW_VERSION)
