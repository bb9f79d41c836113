"""`python -m dag_gates [DAGS_FOLDER]`: run every gate and print one line per violation (file, line, rule, fix).

Exit status 0 when the folder passes, 1 on any violation, 2 when the folder, the lookups file or the team
declaration (`--teams`) is missing or unreadable.
`--format github` prints the same findings as GitHub Actions annotations, which the pull request shows on the
offending line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from dag_gates.gates import Violation, dag_files, load_dag_bag, parse_budget_s, run_gates
from dag_gates.lookups import lookup_env, parse_time_lookups
from dag_gates.teams import RosterError, read_roster


def github_annotation(violation: Violation) -> str:
    """A workflow command: `::error file=…,line=…,title=…::message` (newlines escaped as GitHub requires)."""
    text = f"{violation.message}; fix: {violation.fix}".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::error file={violation.file},line={violation.line},title=dag-gates {violation.rule}::{text}"


@contextlib.contextmanager
def parse_output_to(path: str) -> Iterator[None]:
    """Send what the parse prints (Airflow's log, each import error with its traceback, a DAG file's own prints)
    to `path` at the file-descriptor level, so that stdout carries the report alone."""
    sys.stdout.flush()
    saved = os.dup(1)
    target = os.open(path, os.O_WRONLY)
    os.dup2(target, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dag_gates", description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=Path("dags"), help="the DAG folder (default: dags)")
    parser.add_argument(
        "--lookups",
        type=Path,
        help="YAML of the connections and variables DAGs look up at parse time (local development values only)",
    )
    parser.add_argument(
        "--parse-budget",
        type=float,
        default=None,
        help="seconds one file may take to parse (default: $DAG_PARSE_BUDGET_S, else 1)",
    )
    parser.add_argument(
        "--plugins",
        type=Path,
        help="the plugins folder DAGs import from (on the import path, as the dag-processor puts it)",
    )
    parser.add_argument(
        "--teams",
        type=Path,
        help="the platform's team declaration (settings.yaml `teams:` or a Pulumi stack file's airflow-aws:teams): "
        "each DAG must then name its team and use only its team's queue and pools",
    )
    parser.add_argument("--format", choices=("text", "github"), default="text")
    parser.add_argument("--verbose", action="store_true", help="show Airflow's parse log on stderr")
    args = parser.parse_args(argv)

    if not args.folder.is_dir():
        print(f"dag_gates: {args.folder} is not a folder; fix: pass the DAG folder, e.g. dags/", file=sys.stderr)
        return 2
    if args.lookups is not None and not args.lookups.is_file():
        print(f"dag_gates: no lookups file {args.lookups}; fix: create it or drop --lookups", file=sys.stderr)
        return 2
    try:
        roster = read_roster(args.teams) if args.teams is not None else {}
    except RosterError as err:
        print(f"dag_gates: {err}", file=sys.stderr)
        return 2
    if args.plugins is not None:
        sys.path.insert(0, str(args.plugins.resolve()))
    budget_s = parse_budget_s() if args.parse_budget is None else args.parse_budget
    # The DagBag logs every import error with its traceback: the report below carries the same text.
    parse_log = "/dev/stderr" if args.verbose else os.devnull
    with parse_time_lookups(lookup_env(args.lookups) if args.lookups else {}), parse_output_to(parse_log):
        files = dag_files(args.folder)
        bag = load_dag_bag(args.folder) if files else None
    if bag is None:
        print(f"dag_gates: no DAG file in {args.folder} (one that mentions 'airflow' and 'dag')", file=sys.stderr)
        return 1
    violations = run_gates(bag, args.folder, budget_s, roster)
    for violation in violations:
        print(github_annotation(violation) if args.format == "github" else violation)
    print(
        f"dag_gates: {len(files)} file(s), {len(bag.dags)} DAG(s), {len(violations)} violation(s) "
        f"(parse budget {budget_s:.2f} s per file)",
        file=sys.stderr,
    )
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
