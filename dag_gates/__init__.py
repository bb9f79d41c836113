"""The DAG gates of this platform, for its own dags/ and for any team's DAG repository.

    python -m dag_gates dags/ --lookups lookups.yaml      # report, exit 1 on any violation

or, from Python (this repository's tests/dags apply them file by file):

    with parse_time_lookups(lookup_env(path)):
        bag = load_dag_bag(folder)
    violations = run_gates(bag, folder, budget_s=1.0)
"""

from __future__ import annotations

from dag_gates.gates import (
    CATCHUP_TAG,
    DEFAULT_PARSE_BUDGET_S,
    Violation,
    dag_files,
    import_violations,
    load_dag_bag,
    parse_budget_s,
    parse_time_violations,
    policy_violations,
    relative,
    run_gates,
)
from dag_gates.lookups import lookup_env, parse_time_lookups
from dag_gates.teams import RosterError, RosterTeam, read_roster, team_violations

__all__ = [
    "CATCHUP_TAG",
    "DEFAULT_PARSE_BUDGET_S",
    "RosterError",
    "RosterTeam",
    "Violation",
    "dag_files",
    "import_violations",
    "load_dag_bag",
    "lookup_env",
    "parse_budget_s",
    "parse_time_lookups",
    "parse_time_violations",
    "policy_violations",
    "read_roster",
    "relative",
    "run_gates",
    "team_violations",
]
