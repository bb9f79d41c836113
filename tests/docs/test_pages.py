"""The hand-written pages: their links resolve, the README names every folder, and no pin is copied by hand."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from airflow_settings.versions import AIRFLOW_VERSION, PULUMI_SDK_VERSION, pins
from scripts.docs import BEGIN, DOCS_DIR, END, REPO_ROOT

README = REPO_ROOT / "README.md"
PAGES = [README, *sorted(DOCS_DIR.rglob("*.md")), REPO_ROOT / "dags" / "README.md", REPO_ROOT / "images" / "README.md"]
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def page_id(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def anchors(path: Path) -> set[str]:
    """GitHub's anchor of each heading: lower case, punctuation but `-` and `_` dropped, spaces as dashes."""
    headings = re.findall(r"^#{1,6} (.+)$", FENCE.sub("", path.read_text()), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_every_relative_link_resolves(path: Path):
    broken = []
    for match in LINK.finditer(FENCE.sub("", path.read_text())):
        target = match["target"]
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:: not ours to check offline
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    assert not broken, f"{page_id(path)} links to what does not exist: {broken}"


def test_the_readme_layout_names_every_folder():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    folders = {line.split("/", 1)[0] for line in tracked.splitlines() if "/" in line}
    layout = README.read_text().split("## Repository layout", 1)[1].split("\n## ", 1)[0]
    missing = sorted(folder for folder in folders if f"| `{folder}/` |" not in layout)
    assert not missing, f"README.md's Repository layout lacks a line for {missing}"


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_no_pin_is_copied_by_hand(path: Path):
    # A version written out by hand goes stale when the pin moves: link to docs/versions.md, or generate.
    hand_written = re.sub(f"{BEGIN.pattern}.*?{re.escape(END)}", "", path.read_text(), flags=re.MULTILINE | re.DOTALL)
    values = {AIRFLOW_VERSION, PULUMI_SDK_VERSION}
    values |= {value for pin in pins().values() for value in (pin.version, pin.sha256) if value}
    copied = sorted(value for value in values if re.search(rf"(?<![\w.]){re.escape(value)}(?![\w]|\.\d)", hand_written))
    assert not copied, f"{page_id(path)} copies the pinned {copied} by hand"
