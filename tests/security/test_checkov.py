"""checkov over the image's Dockerfile and the Kubernetes manifests we ship: clean, or each skip justified.

checkov doesn't co-resolve with the Airflow group, so it runs from its own tool environment
(`uv tool run checkov==<the pin in pyproject.toml>`, cached by uv after the first run), with `--skip-download`
to stay offline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from airflow_settings.versions import pin, uv_executable

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKOV = f"checkov=={pin('checkov').version}"
SKIPPED_DIRS = {".venv", ".venv-infra", ".git", ".state", ".cache", "node_modules", "build", "dist", "tests"}


def _shipped(pattern: str) -> list[Path]:
    return sorted(
        p for p in REPO_ROOT.glob(pattern) if p.is_file() and not SKIPPED_DIRS & set(p.relative_to(REPO_ROOT).parts)
    )


def _is_kubernetes_manifest(path: Path) -> bool:
    try:
        documents = list(yaml.safe_load_all(path.read_text()))
    except yaml.YAMLError:
        return False
    return any(isinstance(d, dict) and {"apiVersion", "kind", "metadata"} <= set(d) for d in documents)


DOCKERFILES = _shipped("**/Dockerfile*")
MANIFESTS = [p for p in _shipped("**/*.yaml") + _shipped("**/*.yml") if _is_kubernetes_manifest(p)]


@pytest.fixture(scope="module")
def checkov_report() -> list[dict]:
    uv = uv_executable()
    assert shutil.which(uv), "checkov runs through `uv tool run`: install uv (https://docs.astral.sh/uv/) or set UV"
    files = [str(p.relative_to(REPO_ROOT)) for p in DOCKERFILES + MANIFESTS]
    assert files, "no Dockerfile or Kubernetes manifest in the repository: nothing for checkov to scan"
    result = subprocess.run(
        [
            uv,
            "tool",
            "run",
            CHECKOV,
            "--skip-download",
            "--framework",
            "dockerfile",
            "kubernetes",
            "--output",
            "json",
            *[arg for f in files for arg in ("-f", f)],
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode in (0, 1), f"checkov did not run ({result.returncode}): {result.stderr[-2000:]}"
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def test_the_image_dockerfile_is_scanned():
    assert any(p.parts[-3:-1] == ("images", "airflow") for p in DOCKERFILES), DOCKERFILES


def test_checkov_finds_no_failed_check(checkov_report):
    failed = [
        f"{c['check_id']} {c['check_name']} at {c['file_path']}:{c['file_line_range']}"
        for part in checkov_report
        for c in part["results"]["failed_checks"]
    ]
    assert failed == []


def test_every_skipped_check_says_why(checkov_report):
    skipped = [c for part in checkov_report for c in part["results"]["skipped_checks"]]
    unjustified = [
        f"{c['check_id']} at {c['file_path']}"
        for c in skipped
        if len((c["check_result"].get("suppress_comment") or "").split()) < 4
    ]
    assert unjustified == [], "write the reason after `#checkov:skip=<ID>:`"
