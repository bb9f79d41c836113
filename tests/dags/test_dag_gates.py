"""The gates catch what they promise: each broken sample fails with its file, line and rule."""

from __future__ import annotations

import math
import textwrap

import pytest

from dag_gates import load_dag_bag, parse_time_lookups, parse_time_violations, run_gates
from local_airflow.dev import connection_env

GOOD_HEADER = '''
"""A sample DAG."""
import pendulum
from airflow.sdk import dag, task
'''


def write_dag(folder, name, body):
    path = folder / name
    path.write_text(textwrap.dedent(GOOD_HEADER) + textwrap.dedent(body))
    return path


def all_violations(folder):
    with parse_time_lookups(connection_env()):
        bag = load_dag_bag(folder)
    # Every gate but the parse budget, which has its own test: a loaded machine must not fail the others.
    return run_gates(bag, folder, budget_s=math.inf)


@pytest.fixture
def dags_dir(tmp_path):
    folder = tmp_path / "dags"
    folder.mkdir()
    return folder


def test_syntax_error_names_file_line_and_rule(dags_dir):
    write_dag(
        dags_dir,
        "broken.py",
        """
    @dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")
    def broken():
        pass
    """,
    )
    [violation] = all_violations(dags_dir)
    assert (violation.file, violation.rule) == ("dags/broken.py", "import")
    assert violation.line == 6
    assert "SyntaxError" in violation.message


def test_cycle_is_an_import_error(dags_dir):
    write_dag(
        dags_dir,
        "cyclic.py",
        """
    @dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["t"],
         default_args={"owner": "team", "retries": 1}, doc_md=__doc__)
    def cyclic():
        @task
        def first():
            pass

        @task
        def second():
            pass

        a, b = first(), second()
        a >> b >> a

    cyclic()
    """,
    )
    [violation] = all_violations(dags_dir)
    assert (violation.file, violation.rule) == ("dags/cyclic.py", "import")
    assert "cycle" in violation.message.lower()


@pytest.mark.parametrize(
    ("rule", "dag_kwargs"),
    [
        ("owner", 'tags=["t"], default_args={"retries": 1}, catchup=False, doc_md=__doc__'),
        ("owner", 'tags=["t"], default_args={"owner": "airflow", "retries": 1}, catchup=False, doc_md=__doc__'),
        ("tags", 'default_args={"owner": "team", "retries": 1}, catchup=False, doc_md=__doc__'),
        ("retries", 'tags=["t"], default_args={"owner": "team"}, catchup=False, doc_md=__doc__'),
        ("retries", 'tags=["t"], default_args={"owner": "team", "retries": 0}, catchup=False, doc_md=__doc__'),
        ("catchup", 'tags=["t"], default_args={"owner": "team", "retries": 1}, catchup=True, doc_md=__doc__'),
        ("doc", 'tags=["t"], default_args={"owner": "team", "retries": 1}, catchup=False'),
    ],
)
def test_policy_breach_names_file_line_and_rule(dags_dir, rule, dag_kwargs):
    write_dag(
        dags_dir,
        "sample.py",
        f"""
    @dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), {dag_kwargs})
    def sample():
        @task
        def only():
            pass

        only()

    sample()
    """,
    )
    violations = all_violations(dags_dir)
    assert [(v.file, v.line, v.rule) for v in violations] == [("dags/sample.py", 6, rule)], violations
    assert str(violations[0]).startswith(f"dags/sample.py:6: [{rule}] DAG 'sample':")


def test_declared_catchup_is_allowed(dags_dir):
    write_dag(
        dags_dir,
        "backfilled.py",
        """
    @dag(schedule="@daily", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=True,
         tags=["catchup"], default_args={"owner": "team", "retries": 1}, doc_md=__doc__)
    def backfilled():
        @task
        def only():
            pass

        only()

    backfilled()
    """,
    )
    assert all_violations(dags_dir) == []


def test_slow_file_breaks_the_parse_budget(dags_dir):
    write_dag(
        dags_dir,
        "slow.py",
        """
    import time

    SLOW_PARSE_S = 0.3
    time.sleep(SLOW_PARSE_S)  # module-level work the dag-processor would pay on every parse

    @dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["t"],
         default_args={"owner": "team", "retries": 1}, doc_md=__doc__)
    def slow():
        @task
        def only():
            pass

        only()

    slow()
    """,
    )
    with parse_time_lookups(connection_env()):
        bag = load_dag_bag(dags_dir)
    [violation] = parse_time_violations(bag, dags_dir, budget_s=0.2)
    assert (violation.file, violation.rule) == ("dags/slow.py", "parse-time")
    assert parse_time_violations(bag, dags_dir, budget_s=5.0) == []
