"""`python -m observability`: write the generated files (PrometheusRule, dashboard); `--check`: fail if stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from observability.dashboard import DASHBOARD_FILE, render_dashboard
from observability.rules import PROMETHEUS_RULE_FILE, render_prometheus_rule


def generated() -> dict[Path, str]:
    """Each generated file and the text it must hold."""
    return {PROMETHEUS_RULE_FILE: render_prometheus_rule(), DASHBOARD_FILE: render_dashboard()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a generated file is not up to date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated().items():
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    for path in stale:
        print(f"{path} is stale: run `make observability-files` and commit it", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
