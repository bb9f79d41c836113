"""The generated blocks of docs/, written from the code each one documents: `make docs` (`python -m scripts.docs`).

A page in docs/ is written by hand, except between a pair of markers, whose content this module writes:

    <!-- BEGIN GENERATED: config-reference -->
    | Key | dev | prod | Meaning |
    ...
    <!-- END GENERATED -->

`BLOCKS` names each block and the function that renders it from its source; each block stands on one page only,
and other pages link to it. tests/docs/test_docs_fresh.py fails when a committed block differs from a fresh
render. Imports no pulumi, so both environments can import it; rendering the policy rules needs pulumi-policy,
so `make docs` runs it in .venv-infra.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from airflow_settings.versions import AIRFLOW_VERSION, PULUMI_SDK_VERSION, pins
from infra.config import config_reference
from infra.presets import preset_defaults

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = REPO_ROOT / "docs"
BEGIN = re.compile(r"^<!-- BEGIN GENERATED: (?P<name>[a-z0-9-]+) -->\n", re.MULTILINE)
END = "<!-- END GENERATED -->"
CODE_SPAN = re.compile(r"(`[^`]*`)")
NO_VALUE = "—"


class DocsError(ValueError):
    """A page's markers are wrong; the message names the page, the block and the fix."""


def _cell(text: str) -> str:
    """`text` as a table cell that renders as written: outside code spans, `<` would open an HTML tag (hiding
    `<stack>`) and `*` emphasis; a `|` would split the cell even inside one (GitHub Flavored Markdown)."""
    parts = CODE_SPAN.split(text)
    parts[::2] = [part.replace("<", "&lt;").replace("*", r"\*") for part in parts[::2]]
    return "".join(parts).replace("|", r"\|")


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(map(_cell, line)) + " |" for line in lines)


def _code(value: Any) -> str:
    """A config value as it is written in Pulumi.<stack>.yaml: strings bare, everything else as JSON."""
    return f"`{value if isinstance(value, str) else json.dumps(value)}`"


def config_reference_table() -> str:
    """Every stack-config key with its dev and prod preset defaults and its field documentation."""
    defaults = preset_defaults()
    rows = [
        [
            f"`{key}`",
            *(_code(defaults[key][size]) if key in defaults else NO_VALUE for size in ("dev", "prod")),
            meaning,
        ]
        for key, meaning in config_reference()
    ]
    return markdown_table(["Key (`airflow-aws:`…)", "dev", "prod", "Meaning"], rows)


def policy_rules_table() -> str:
    """Every rule of the policy pack, in pack order, with its enforcement level and description."""
    # Imported here, not at the top: the pack's rules need pulumi-policy, which only .venv-infra has.
    from policy.airflow_aws_policies import rule_rows

    rows = [[f"`{name}`", level, description] for name, level, description in rule_rows()]
    return markdown_table(["Rule", "Enforcement", "Checks"], rows)


def pins_table() -> str:
    """Every pinned version: the two dependency pins, then each [tool.airflow-on-aws.pins] table."""
    rows = [
        [f"`{package}`", f"`{version}`", f"`[dependency-groups] {group}`", "uv.lock", "a package index"]
        for package, version, group in (
            ("apache-airflow", AIRFLOW_VERSION, "airflow"),
            ("pulumi", PULUMI_SDK_VERSION, "pulumi"),
        )
    ]
    rows += [
        [
            f"`{pin.name}`",
            f"`{pin.version}`",
            f"`[tool.airflow-on-aws.pins.{pin.name}]`",
            f"`{pin.sha256}`" if pin.sha256 else NO_VALUE,
            pin.url or "a package index",
        ]
        for pin in pins().values()
    ]
    return markdown_table(["Pin", "Version", "Written in `pyproject.toml`", "sha256", "Fetched from"], rows)


BLOCKS: dict[str, Callable[[], str]] = {
    "config-reference": config_reference_table,
    "policy-rules": policy_rules_table,
    "pins": pins_table,
}


def render_page(text: str, page: str, blocks: Mapping[str, Callable[[], str]] = BLOCKS) -> tuple[str, list[str]]:
    """`text` with every generated block rewritten, and the names of its blocks in page order."""
    parts, names, done = [], [], 0
    for begin in BEGIN.finditer(text):
        name = begin["name"]
        if begin.start() < done:
            raise DocsError(f"{page}: block {names[-1]} has no {END} before block {name} begins; fix: close it")
        if name not in blocks:
            raise DocsError(f"{page}: no generated block is called {name!r}; fix: use one of {', '.join(blocks)}")
        end = text.find(END, begin.end())
        if end == -1:
            raise DocsError(f"{page}: block {name} has no closing {END}; fix: add it after the block")
        parts += [text[done : begin.end()], blocks[name]().rstrip("\n") + "\n"]
        names.append(name)
        done = end
    if text.count(END) != len(names):
        raise DocsError(f"{page}: an {END} closes no block; fix: remove it or add its BEGIN marker")
    return "".join([*parts, text[done:]]), names


def rendered_pages(
    docs_dir: Path = DOCS_DIR, blocks: Mapping[str, Callable[[], str]] = BLOCKS
) -> dict[Path, tuple[str, str]]:
    """Every page of `docs_dir` that holds a block: (its text now, its text with fresh blocks)."""
    pages: dict[Path, tuple[str, str]] = {}
    shown_on: dict[str, Path] = {}
    for path in sorted(docs_dir.rglob("*.md")):
        text = path.read_text()
        fresh, names = render_page(text, str(path), blocks)
        for name in names:
            if name in shown_on:
                raise DocsError(f"{path}: block {name} is also on {shown_on[name]}; fix: keep one, link to it")
            shown_on[name] = path
        if names:
            pages[path] = (text, fresh)
    if missing := [name for name in blocks if name not in shown_on]:
        raise DocsError(
            f"no page in {docs_dir} shows the block(s) {', '.join(missing)}; fix: put "
            f"`<!-- BEGIN GENERATED: <name> -->` and `{END}` where each belongs"
        )
    return pages


def stale_pages(docs_dir: Path = DOCS_DIR, blocks: Mapping[str, Callable[[], str]] = BLOCKS) -> list[Path]:
    """The pages whose blocks differ from a fresh render."""
    return [path for path, (text, fresh) in rendered_pages(docs_dir, blocks).items() if text != fresh]


def write_pages(docs_dir: Path = DOCS_DIR, blocks: Mapping[str, Callable[[], str]] = BLOCKS) -> list[Path]:
    """Rewrite the stale pages; returns them."""
    written = []
    for path, (text, fresh) in rendered_pages(docs_dir, blocks).items():
        if text != fresh:
            path.write_text(fresh)
            written.append(path)
    return written


def main() -> int:
    try:
        written = write_pages()
    except DocsError as err:
        print(f"make docs: {err}", file=sys.stderr)
        return 1
    for path in written:
        print(f"make docs: rewrote {path.relative_to(REPO_ROOT)}")
    if not written:
        print("make docs: every generated block is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
