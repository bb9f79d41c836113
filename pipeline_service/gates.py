"""Hold a rendered DAG file to the repository's DAG gates before it may be delivered.

The gates are the ones `make test` applies to dags/ (the dag_gates package: imports, platform policies, parse
budget); this module is the service's one call into them. The file is checked in a staging folder of its own, so a
failing file never touches a DAG source.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from dag_gates import load_dag_bag, parse_budget_s, run_gates
from pipeline_service.render import RenderedDag


class GateError(RuntimeError):
    """The rendered file fails a gate; `problems` lists each with file, line and rule. Nothing was delivered."""

    def __init__(self, dag_id: str, problems: list[str]):
        super().__init__(f"the DAG file rendered for {dag_id} fails the DAG gates:\n  " + "\n  ".join(problems))
        self.problems = problems


def check(rendered: RenderedDag) -> None:
    """Compile the file, then parse it as the dag-processor would and apply every gate; raise GateError if any fail."""
    try:
        compile(rendered.source, rendered.file_name, "exec")
    except SyntaxError as err:
        raise GateError(rendered.dag_id, [f"{rendered.file_name}:{err.lineno}: [compile] {err.msg}"]) from err
    with tempfile.TemporaryDirectory(prefix="pipeline-service-") as staging:
        folder = Path(staging) / "dags"
        folder.mkdir()
        (folder / rendered.file_name).write_text(rendered.source)
        bag = load_dag_bag(folder)
        problems = [str(violation) for violation in run_gates(bag, folder, parse_budget_s())]
        if not problems and set(bag.dags) != {rendered.dag_id}:
            problems.append(f"{rendered.file_name}:1: [dag-id] defines {sorted(bag.dags)}, not {rendered.dag_id!r}")
    if problems:
        raise GateError(rendered.dag_id, problems)
