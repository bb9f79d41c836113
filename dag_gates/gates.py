"""The DAG quality gates, as functions: each returns Violations that name the file, the line, the rule and the fix.

- import_violations: files the DagBag failed to import (syntax errors, exceptions at parse time, cycles);
- policy_violations: what every DAG on the platform must declare (owner, tags, retries, catchup, doc);
- parse_time_violations: files whose parse takes longer than the budget the dag-processor can afford;
- teams.team_violations: on a platform with teams, each DAG's team, queue and pools.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from airflow.dag_processing.dagbag import DagBag
from airflow.dag_processing.processor import _pre_import_airflow_modules
from airflow.utils.file import list_py_file_paths

if TYPE_CHECKING:
    from dag_gates.teams import RosterTeam

DEFAULT_PARSE_BUDGET_S = 1.0
# A DAG that really wants catchup says so with this tag, so the choice is visible in review and in the UI.
CATCHUP_TAG = "catchup"


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    rule: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.rule}] {self.message}; fix: {self.fix}"


def parse_budget_s() -> float:
    """Per-file parse budget in seconds; DAG_PARSE_BUDGET_S overrides the default of 1 s."""
    return float(os.environ.get("DAG_PARSE_BUDGET_S", DEFAULT_PARSE_BUDGET_S))


def dag_files(folder: Path) -> list[Path]:
    """The files the dag-processor would parse: .airflowignore applies, and safe mode skips helper modules
    (a PySpark job, a Glue script) that never mention both "airflow" and "dag"."""
    return sorted(Path(path) for path in list_py_file_paths(folder.resolve(), safe_mode=True))


def load_dag_bag(folder: Path) -> DagBag:
    """Parse the folder as the dag-processor does, so the recorded parse times are the ones it sees.

    The dag-processor imports each file's `airflow.*` modules once in its parent process before it forks
    the parse (`[dag_processor] parsing_pre_import_modules`), so a provider's heavy first import is not
    charged to every parse; without the same step the first file to import a provider would pay it here.
    """
    log = structlog.get_logger(__name__)
    for path in dag_files(folder):
        _pre_import_airflow_modules(str(path), log)
    return DagBag(dag_folder=str(folder.resolve()))


def dag_definition_line(path: Path, dag_id: str) -> int:
    """Line of the DAG's definition: the function named after the dag_id, or the call that passes it."""
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except (OSError, SyntaxError):
        return 1
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == dag_id:
            return min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
        if isinstance(node, ast.Constant) and node.value == dag_id:
            return node.lineno
    return 1


def import_violations(bag: DagBag, root: Path) -> list[Violation]:
    """Files that failed to import: syntax errors, exceptions at parse time, cycles, duplicate dag_ids."""
    violations = []
    for file, message in sorted(bag.import_errors.items()):
        # The traceback's last frame in the DAG file itself is where the author must look.
        lines = re.findall(rf'File "{re.escape(str(file))}", line (\d+)', message)
        line = int(lines[-1]) if lines else 1
        violations.append(
            Violation(
                relative(file, root),
                line,
                "import",
                f"failed to import with message: {message.strip()}",
                "make the file import cleanly (`python <file>` shows the same error)",
            )
        )
    return violations


def policy_violations(dag, root: Path) -> list[Violation]:
    """Platform policies every DAG must meet: owner, tags, retries, catchup and documentation."""
    file = relative(dag.fileloc, root)
    line = dag_definition_line(Path(dag.fileloc), dag.dag_id)
    broken = []
    owner = (dag.default_args or {}).get("owner")
    if not owner or owner == "airflow":
        broken.append(("owner", "default_args must name an owning team", "default_args={'owner': 'data-platform'}"))
    if not dag.tags:
        broken.append(("tags", "has no tags to find and filter it by in the UI", "set tags=[...]"))
    retries = [task.task_id for task in dag.tasks if not task.retries or task.retries < 1]
    if retries:
        broken.append(
            (
                "retries",
                f"tasks {sorted(retries)} have retries < 1",
                "set default_args={'retries': 2} or retries= on the task",
            )
        )
    if dag.catchup and CATCHUP_TAG not in dag.tags:
        broken.append(
            (
                "catchup",
                f"catchup=True is not declared with the tag {CATCHUP_TAG!r}",
                f"add the tag {CATCHUP_TAG!r}, or set catchup=False",
            )
        )
    if not (dag.doc_md or dag.description):
        broken.append(("doc", "has no documentation", "give the DAG doc_md=__doc__ (a Markdown module docstring)"))
    return [Violation(file, line, rule, f"DAG {dag.dag_id!r}: {message}", fix) for rule, message, fix in broken]


def parse_time_violations(bag: DagBag, root: Path, budget_s: float) -> list[Violation]:
    """Files whose parse time, as the DagBag records it for the dag-processor, exceeds the budget."""
    return [
        Violation(
            relative(os.path.join(root, stat.file), root),
            1,
            "parse-time",
            f"took {stat.duration.total_seconds():.3f} s to parse, over the {budget_s:.3f} s budget",
            "move work (API calls, heavy imports) from module level into tasks",
        )
        for stat in bag.dagbag_stats
        if stat.duration.total_seconds() > budget_s
    ]


def relative(file: str | Path, root: Path) -> str:
    """`file` as the report names it: relative to the DAG folder's parent (`dags/x.py`), else as given."""
    path = Path(file)
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)


def run_gates(
    bag: DagBag, folder: Path, budget_s: float, roster: Mapping[str, RosterTeam] | None = None
) -> list[Violation]:
    """Every gate over one parsed folder: import errors, then each DAG's policies (and, with a team `roster`
    (teams.read_roster), its team's), then the parse budget."""
    # Imported here: the team gate builds its Violations with this module's helpers.
    from dag_gates.teams import team_violations

    found = import_violations(bag, folder)
    for dag in bag.dags.values():
        found += policy_violations(dag, folder)
        found += team_violations(dag, folder, dict(roster or {}))
    return found + parse_time_violations(bag, folder, budget_s)
