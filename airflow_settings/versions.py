"""Every pinned version, read from the one place each is written, and the cache pinned files are fetched into.

- The Airflow and Pulumi SDK versions are the `apache-airflow==` and `pulumi==` pins of pyproject.toml's airflow
  and pulumi dependency groups.
- Every other tool and artifact is a `[tool.airflow-on-aws.pins.<name>]` table of pyproject.toml: `pin(name)`.
  A new one (helm, the KEDA or AWS Load Balancer Controller chart, git-sync, statsd_exporter) is a new table;
  make then has its <PIN>_VERSION, <PIN>_SHA256, <PIN>_URL and <PIN>_DIR.
- Fetched pins live in one git-ignored cache, `.cache/<name>/<version>/` (or `$CACHE_DIR/...`, which make sets).

Standard library only, so that make (and CI) can run it with a bare python3 >= 3.11 before any environment exists:

    python3 airflow_settings/versions.py                      # the Airflow version
    python3 airflow_settings/versions.py uv [sha256|url|dir]  # one field of a pin (default: its version)
    python3 airflow_settings/versions.py --make               # every pin as make assignments (the Makefile's)
    python3 airflow_settings/versions.py airflow-chart --fetch PATH [--url URL | --local]
        # PATH verified against the pin's sha256; downloaded first (from the pin's url or URL) if missing,
        # unless --local says PATH is the user's own copy.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sys
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# make exports CACHE_DIR (default .cache beside pyproject.toml), so Python finds what make fetched.
CACHE_DIR = Path(os.environ.get("CACHE_DIR") or PYPROJECT.parent / ".cache").resolve()
DOWNLOAD_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Pin:
    """One pinned tool or artifact.

    name: the key under [tool.airflow-on-aws.pins], e.g. "airflow-chart".
    version: a release, or a commit for sources without releases (compose-spec).
    sha256: of the file that is downloaded (the tarball, the sdist), when one is; None for a tool that a
        package manager installs and checks (uv, checkov).
    url: where that file is downloaded from, with the version filled in; None when a package index serves it.
    """

    name: str
    version: str
    sha256: str | None = None
    url: str | None = None

    @property
    def cache_dir(self) -> Path:
        """Where this pin's fetched files live; a new version gets a new folder."""
        return CACHE_DIR / self.name / self.version


def dependency_pin(group: str, package: str, pyproject: Path = PYPROJECT) -> str:
    """The exact `package==X.Y.Z` pin of one of pyproject.toml's dependency groups."""
    for requirement in tomllib.loads(pyproject.read_text())["dependency-groups"][group]:
        if match := re.fullmatch(rf"{re.escape(package)}==([0-9][0-9.]*)", requirement):
            return match.group(1)
    raise LookupError(f"{pyproject}: the {group} dependency group has no exact {package}==X.Y.Z pin")


AIRFLOW_VERSION = dependency_pin("airflow", "apache-airflow")
# The Pulumi SDK; the pulumi CLI must be at least as new (make's pulumi-cli check).
PULUMI_SDK_VERSION = dependency_pin("pulumi", "pulumi")


def pins(pyproject: Path = PYPROJECT) -> dict[str, Pin]:
    """Every [tool.airflow-on-aws.pins.<name>] table, checked: a version, and a sha256 wherever there is a url."""
    tables = tomllib.loads(pyproject.read_text())["tool"]["airflow-on-aws"]["pins"]
    found = {}
    for name, table in tables.items():
        unknown = set(table) - {"version", "sha256", "url"}
        if unknown or "version" not in table or ("url" in table and "sha256" not in table):
            raise ValueError(
                f"{pyproject}: [tool.airflow-on-aws.pins.{name}] needs a version, may have sha256 and url "
                f"(url only with sha256); it has {sorted(table)}"
            )
        url = table.get("url")
        found[name] = Pin(name, table["version"], table.get("sha256"), url and url.format(version=table["version"]))
    return found


def pin(name: str) -> Pin:
    """The pin called `name` (a key of [tool.airflow-on-aws.pins])."""
    known = pins()
    if name not in known:
        raise LookupError(f"no pin {name!r} in {PYPROJECT} [tool.airflow-on-aws.pins]; known: {', '.join(known)}")
    return known[name]


class FetchFailed(RuntimeError):
    """A pinned file could not be downloaded, or is not the pinned file; the message says which and why."""


def fetch(pinned: Pin, path: Path, *, url: str | None = None, download: bool = True) -> Path:
    """`path`, checked against the pin's sha256; downloaded first from `url` (default: the pin's) if missing.

    The download goes to a `.partial` file, renamed only once its digest matches, so that an interrupted or wrong
    download never leaves a file a later run would take as fetched. With download=False, `path` is the user's own
    copy: a missing one is an error, never a download.
    """
    if pinned.sha256 is None:
        raise ValueError(f"pin {pinned.name} has no sha256: nothing to fetch or check")
    if path.exists():
        _check_digest(pinned, path, shown_as=str(path))
        return path
    if not download:
        raise FetchFailed(f"{path} does not exist: it should be {pinned.name} {pinned.version}")
    source = url or pinned.url
    if source is None:
        raise ValueError(f"pin {pinned.name} has no url: pass one")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    print(f"downloading {pinned.name} {pinned.version} from {source} to {path}", file=sys.stderr)
    try:
        with urllib.request.urlopen(source, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response, partial.open("wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as err:  # URLError, timeouts and refused connections are all OSErrors
        partial.unlink(missing_ok=True)
        reason = getattr(err, "reason", err)  # URLError wraps the socket error that says why
        raise FetchFailed(
            f"cannot download {pinned.name} {pinned.version} (sha256 {pinned.sha256}) from {source}: {reason}"
        ) from err
    try:
        _check_digest(pinned, partial, shown_as=source)
    except FetchFailed:
        partial.unlink()
        raise
    partial.rename(path)
    return path


def _check_digest(pinned: Pin, path: Path, shown_as: str) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != pinned.sha256:
        raise FetchFailed(
            f"{shown_as}: sha256 {digest} is not the pinned {pinned.sha256} of {pinned.name} {pinned.version}"
        )


def uv_executable() -> str:
    """$UV (make exports the uv it found or bootstrapped), else uv from PATH, else the one make bootstrapped.

    Falls back to plain `uv`, so that a caller running it gets FileNotFoundError and says how to fix it.
    """
    bootstrapped = pin("uv").cache_dir / "bin" / "uv"
    found = os.environ.get("UV") or shutil.which("uv") or (str(bootstrapped) if bootstrapped.exists() else "uv")
    return os.path.abspath(found) if os.sep in found else found


def make_assignments() -> list[str]:
    """The pins as make reads them, one `NAME:=value` word each: AIRFLOW_VERSION, PULUMI_SDK_VERSION, and per pin
    <PIN>_VERSION, <PIN>_SHA256, <PIN>_DIR (its cache folder) and <PIN>_URL (as `?=`, so a mirror can replace it)."""
    assignments = [f"AIRFLOW_VERSION:={AIRFLOW_VERSION}", f"PULUMI_SDK_VERSION:={PULUMI_SDK_VERSION}"]
    for pinned in pins().values():
        prefix = pinned.name.upper().replace("-", "_")
        assignments += [f"{prefix}_VERSION:={pinned.version}", f"{prefix}_DIR:={pinned.cache_dir}"]
        if pinned.sha256:
            assignments.append(f"{prefix}_SHA256:={pinned.sha256}")
        if pinned.url:
            assignments.append(f"{prefix}_URL?={pinned.url}")
    # make splits $(shell) output on whitespace and would evaluate `$` and `#`: refuse what it can't carry.
    unsafe = [a for a in assignments if re.search(r"[\s$#]", a)]
    if unsafe:
        raise ValueError(f"these pins can't be passed to make (whitespace, $ or #): {unsafe}")
    return assignments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print or fetch the repository's pinned versions.")
    parser.add_argument("name", nargs="?", help="a pin (default: print the Airflow version)")
    parser.add_argument("field", nargs="?", default="version", choices=["version", "sha256", "url", "dir"])
    parser.add_argument("--make", action="store_true", help="print every pin as make assignments")
    parser.add_argument("--fetch", type=Path, metavar="PATH", help="check PATH against the pin; download it if missing")
    parser.add_argument("--url", help="download from URL instead of the pin's own (a mirror)")
    parser.add_argument("--local", action="store_true", help="PATH is the user's copy: check it, never download")
    args = parser.parse_args(argv)
    try:
        if args.make:
            print("\n".join(make_assignments()))
        elif args.name is None:
            print(AIRFLOW_VERSION)
        elif args.fetch:
            fetch(pin(args.name), args.fetch, url=args.url, download=not args.local)
        else:
            pinned = pin(args.name)
            value = pinned.cache_dir if args.field == "dir" else getattr(pinned, args.field)
            if value is None:
                raise LookupError(f"pin {pinned.name} has no {args.field}")
            print(value)
    except (FetchFailed, LookupError) as err:
        print(f"{Path(sys.argv[0]).name}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
