"""The repository's own packages in the airflow group (uv workspace members), shipped to MWAA as wheels.

MWAA's pip cannot install a local path. As MWAA documents for custom packages, each one travels as a wheel inside
plugins.zip, which MWAA unpacks into /usr/local/airflow/plugins/, and requirements.txt installs it from there.
requirements.txt names the file (`name @ file:///usr/local/airflow/plugins/<wheel>`) rather than adding
`--find-links`, so the wheel we built is what gets installed, never a same-named project on PyPI.

Wheels are built by `uv build` with SOURCE_DATE_EPOCH fixed, so rebuilding an unchanged package gives the same
bytes, and plugins.zip with it (an unchanged zip never triggers an MWAA update).
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Where MWAA unpacks plugins.zip on every component.
MWAA_PLUGINS_FOLDER = "/usr/local/airflow/plugins"
# 1980-01-01, the earliest time a zip entry can carry, as plugins.zip uses.
REPRODUCIBLE_EPOCH = "315532800"


class LocalPackageError(RuntimeError):
    """A workspace member would not build; the message carries uv's output."""


@dataclass(frozen=True)
class LocalPackage:
    name: str
    version: str
    path: Path


@dataclass(frozen=True)
class Wheel:
    package: LocalPackage
    file: Path

    def requirement(self) -> str:
        """The requirements.txt line that installs this wheel from MWAA's plugins folder."""
        return f"{self.package.name} @ file://{MWAA_PLUGINS_FOLDER}/{self.file.name}"


def workspace_packages(pyproject: Path) -> dict[str, LocalPackage]:
    """Every uv workspace member of the project, by distribution name as its own pyproject.toml writes it."""
    members = tomllib.loads(pyproject.read_text()).get("tool", {}).get("uv", {}).get("workspace", {}).get("members", [])
    packages = {}
    for member in members:
        project = tomllib.loads((pyproject.parent / member / "pyproject.toml").read_text())["project"]
        packages[project["name"]] = LocalPackage(project["name"], project["version"], pyproject.parent / member)
    return packages


def build_wheels(packages: Iterable[LocalPackage], out_dir: Path, *, uv: str, repo_root: Path) -> list[Wheel]:
    """One reproducible wheel per package in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wheels = []
    for package in sorted(packages, key=lambda package: package.name):
        command = [uv, "build", "--package", package.name, "--wheel", "--out-dir", str(out_dir), "--quiet"]
        done = subprocess.run(
            command,
            cwd=repo_root,
            env={**os.environ, "SOURCE_DATE_EPOCH": REPRODUCIBLE_EPOCH},
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise LocalPackageError(f"`{' '.join(command)}` failed: {done.stderr.strip()}")
        prefix = f"{package.name.replace('-', '_')}-{package.version}-"
        (file,) = (path for path in out_dir.glob("*.whl") if path.name.startswith(prefix))
        wheels.append(Wheel(package, file))
    return wheels
