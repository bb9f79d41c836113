"""Build the three files MWAA installs, deterministically: the same sources give the same bytes.

- requirements.txt: the extra distributions of the lock's `airflow` group that MWAA does not already own,
  pinned to the lock, under the `--constraint` line of the Airflow version MWAA runs; the group's members that
  are this repository's own packages are installed from their wheels in plugins.zip (local_packages.py).
- plugins.zip: the `plugins/` tree at the zip root, plus those wheels, with fixed timestamps, order and
  permissions, so rebuilding unchanged plugins gives the same S3 object content (and no needless MWAA update).
- startup.sh: run by MWAA on every component before Airflow starts.

The S3 object version IDs of these files feed the MWAA environment, so any change here triggers an update.
"""

from __future__ import annotations

import re
import stat
import subprocess
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from airflow_settings.versions import AIRFLOW_VERSION, PYPROJECT, uv_executable
from mwaa.layout import PLUGINS_ZIP, REQUIREMENTS, STARTUP_SCRIPT
from mwaa.local_packages import Wheel, build_wheels, workspace_packages
from mwaa.sources import source_files

REPO_ROOT = PYPROJECT.parent
STARTUP_TEMPLATE = Path(__file__).with_name("startup.sh.in")

# The Python each MWAA image runs, which names the constraints file. From aws/amazon-mwaa-docker-images
# (images/airflow/<version>/Dockerfile.base.j2, PYTHON_VERSION) and the "Python version" column of
# https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html. Add a row when the Airflow pin
# moves.
MWAA_PYTHON_BY_AIRFLOW = {"3.3.1": "3.12"}

# Members of the `airflow` group left out of requirements.txt, with the reason written into its header.
# Everything else in the group ships, pinned to the lock. (MWAA's image pins Airflow, celery, kombu, billiard
# and a few more as "essential constraints" that a requirements file may not move; its installer gives
# requirements.txt 9 minutes.)
MWAA_OWNED = {
    "apache-airflow": "MWAA installs it and refuses any other version",
    "celery": "MWAA pins it for its own Celery-on-SQS executor",
    "apache-airflow-providers-celery": "MWAA's executor; the image installs it with apache-airflow[celery]",
    "apache-airflow-providers-fab": "MWAA's IAM sign-in runs on the FAB auth manager its image installs",
    "psycopg2-binary": "MWAA builds psycopg2 for its metadata DB; this wheel would overwrite it",
    # pyspark-client, which the Spark provider needs, does ship.
    "pyspark": "the local spark-submit distribution: no Java on MWAA, and too large for its install time",
}

_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?==(?P<version>[^\s;]+)"
    r"(?P<marker>\s*;.*)?$"
)


class ArtifactError(ValueError):
    """An input of the MWAA artifacts is missing or inconsistent; the message names it and the fix."""


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name, so `PyYAML` and `pyyaml` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def mwaa_python(airflow_version: str = AIRFLOW_VERSION) -> str:
    """The Python version MWAA runs for that Airflow version."""
    try:
        return MWAA_PYTHON_BY_AIRFLOW[airflow_version]
    except KeyError:
        raise ArtifactError(
            f"MWAA's Python version for Airflow {airflow_version} is not recorded. Fix: look it up in "
            "https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html "
            "and add it to MWAA_PYTHON_BY_AIRFLOW in mwaa/artifacts.py"
        ) from None


def constraint_url(airflow_version: str = AIRFLOW_VERSION) -> str:
    """The upstream constraints file MWAA documents for that Airflow version and its Python."""
    return (
        f"https://raw.githubusercontent.com/apache/airflow/constraints-{airflow_version}/"
        f"constraints-{mwaa_python(airflow_version)}.txt"
    )


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str = ""
    extras: str = ""

    def line(self) -> str:
        return f"{self.name}{self.extras}=={self.version}{self.marker}"


def parse_pins(text: str) -> dict[str, Pin]:
    """`name==version` lines of a requirements or constraints text by canonical name; other lines ignored."""
    pins = {}
    for raw in text.splitlines():
        if match := _PIN.match(raw.strip()):
            pins[canonical(match.group("name"))] = Pin(
                match.group("name"),
                match.group("version"),
                (match.group("marker") or "").rstrip(),
                match.group("extras") or "",
            )
    return pins


def airflow_group(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """The `airflow` dependency group's direct members: canonical name -> extras as written (`[aiobotocore]`).

    Extras matter on MWAA: its pip installs an extra's packages at the versions its constraints file allows.
    """
    groups = tomllib.loads(pyproject.read_text())["dependency-groups"]
    members = {}
    for requirement in groups["airflow"]:
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?", requirement)
        members[canonical(match.group(1))] = match.group(2) or ""
    return members


def locked_airflow_pins(repo_root: Path = REPO_ROOT) -> dict[str, Pin]:
    """Every pin of the `airflow` group as the lock resolves it (uv export, lock left untouched)."""
    uv = uv_executable()
    command = [uv, "export", "--frozen", "--only-group", "airflow", "--no-hashes", "--no-emit-project"]
    try:
        exported = subprocess.run(command, cwd=repo_root, check=True, capture_output=True, text=True).stdout
    except FileNotFoundError:
        raise ArtifactError(
            f"{uv} not found. Fix: run `make mwaa-artifacts`, which bootstraps the project's "
            "uv, or point UV at a uv executable (https://docs.astral.sh/uv/)"
        ) from None
    except subprocess.CalledProcessError as err:
        raise ArtifactError(
            f"`{' '.join(command)}` failed: {err.stderr.strip()}. Fix: run `uv lock` after "
            "editing pyproject.toml, then build again"
        ) from None
    return parse_pins(exported)


def mwaa_requirements(
    locked: Mapping[str, Pin],
    group: Mapping[str, str] | Iterable[str],
    airflow_version: str = AIRFLOW_VERSION,
    wheels: Sequence[Wheel] = (),
) -> str:
    """requirements.txt: the constraint line, then the group's members MWAA doesn't own, pinned as locked; those
    built as `wheels` (the repository's own packages) by their file in MWAA's plugins folder."""
    local = {canonical(wheel.package.name): wheel for wheel in wheels}
    shipped = sorted(name for name in set(group) if name not in MWAA_OWNED)
    missing = [name for name in shipped if name not in locked and name not in local]
    if missing:
        raise ArtifactError(
            f"{', '.join(missing)} in the airflow group but not in the lock export. Fix: run `uv lock` and build again"
        )
    left_out = sorted(name for name in set(group) if name in MWAA_OWNED)
    header = [
        "# Generated by `make mwaa-artifacts` from uv.lock (airflow group): do not edit, rebuild.",
        f"# Airflow {airflow_version} on MWAA runs Python {mwaa_python(airflow_version)}.",
        "# The packages below are pinned to the versions our tests run. Left out of the airflow group:",
        *(f"#   {name}: {MWAA_OWNED[name]}" for name in left_out),
        f'--constraint "{constraint_url(airflow_version)}"',
    ]
    extras = group if isinstance(group, Mapping) else {}
    lines = [
        local[name].requirement() if name in local else replace(locked[name], extras=extras.get(name, "")).line()
        for name in shipped
    ]
    return "\n".join([*header, *lines]) + "\n"


def constraint_conflicts(requirements: str, constraints: str) -> list[str]:
    """Pins of requirements.txt that a constraints file sets to another version, one message each."""
    wanted, allowed = parse_pins(requirements), parse_pins(constraints)
    return [
        f"{pin.name}=={pin.version} (lock) but the constraints file says =={allowed[name].version}"
        for name, pin in sorted(wanted.items())
        if name in allowed and allowed[name].version != pin.version
    ]


# 1980-01-01 is the earliest time a zip entry can carry; any fixed value would do.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_plugins_zip(plugins_dir: Path, destination: Path, wheels: Sequence[Wheel] = ()) -> None:
    """Zip plugins_dir's contents at the archive root (MWAA unpacks it into its plugins folder), reproducibly;
    `wheels` go at the root too, where requirements.txt names them.

    Entries are sorted and carry a fixed timestamp, owner-independent Unix modes (0644, or 0755 when the
    source is executable, the one mode bit git keeps) and no compression: deflate output depends on the zlib
    build, so stored entries are what makes the bytes the same on every machine.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    sources = {str(relative): plugins_dir / relative for relative in source_files(plugins_dir)}
    for wheel in wheels:
        if wheel.file.name in sources:
            raise ArtifactError(f"plugins/{wheel.file.name} would be overwritten by the wheel of {wheel.package.name}")
        sources[wheel.file.name] = wheel.file
    with zipfile.ZipFile(destination, "w") as archive:
        for relative, source in sorted(sources.items()):
            entry = zipfile.ZipInfo(str(relative), date_time=_ZIP_EPOCH)
            entry.create_system = 3  # Unix, so external_attr carries the mode on every build host
            executable = source.stat().st_mode & stat.S_IXUSR
            entry.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            entry.compress_type = zipfile.ZIP_STORED
            archive.writestr(entry, source.read_bytes())


def startup_script(airflow_version: str = AIRFLOW_VERSION) -> str:
    """startup.sh with the Airflow and Python versions this bundle was built for filled in."""
    return (
        STARTUP_TEMPLATE.read_text()
        .replace("@AIRFLOW_VERSION@", airflow_version)
        .replace("@PYTHON_VERSION@", mwaa_python(airflow_version))
    )


@dataclass(frozen=True)
class Artifacts:
    requirements: Path
    plugins: Path
    startup: Path


def build(
    out_dir: Path, *, repo_root: Path = REPO_ROOT, plugins_dir: Path | None = None, constraints_file: Path | None = None
) -> Artifacts:
    """Write requirements.txt, plugins.zip and startup.sh into out_dir and return their paths.

    constraints_file, when given, is a local copy of the upstream constraints file: any pin it contradicts
    fails the build here rather than at MWAA's `pip install`.
    """
    group = airflow_group(repo_root / "pyproject.toml")
    own = [
        package
        for name, package in workspace_packages(repo_root / "pyproject.toml").items()
        if canonical(name) in group
    ]
    with tempfile.TemporaryDirectory(prefix="mwaa-wheels-") as staging:
        wheels = build_wheels(own, Path(staging), uv=uv_executable(), repo_root=repo_root)
        requirements = mwaa_requirements(locked_airflow_pins(repo_root), group, wheels=wheels)
        if constraints_file is not None:
            if conflicts := constraint_conflicts(requirements, constraints_file.read_text()):
                raise ArtifactError(
                    f"{len(conflicts)} pin(s) conflict with {constraints_file}, so MWAA's pip would refuse "
                    "requirements.txt:\n  " + "\n  ".join(conflicts) + "\nFix: pin those packages in "
                    "pyproject.toml's airflow group to the constraints' versions and run `uv lock`, or ship a "
                    "modified constraints file, as MWAA documents for newer providers (see docs/mwaa.md)."
                )
        out_dir.mkdir(parents=True, exist_ok=True)
        artifacts = Artifacts(out_dir / REQUIREMENTS, out_dir / PLUGINS_ZIP, out_dir / STARTUP_SCRIPT)
        artifacts.requirements.write_text(requirements)
        write_plugins_zip(plugins_dir if plugins_dir is not None else repo_root / "plugins", artifacts.plugins, wheels)
    artifacts.startup.write_text(startup_script())
    artifacts.startup.chmod(0o755)
    return artifacts
