"""The team gate: with teams declared, each broken sample fails with its file, line, rule and fix; the platform's
own dags/ pass without teams; the roster reads from settings.yaml and from a stack file."""

from __future__ import annotations

import math

import pytest
import yaml

from dag_gates import RosterError, RosterTeam, load_dag_bag, parse_time_lookups, read_roster, run_gates
from dag_gates.__main__ import main
from local_airflow.dev import connection_env
from tests.dags.test_dag_gates import write_dag

ROSTER = {
    "alpha": RosterTeam("alpha", "alpha", frozenset({"alpha_etl"})),
    "beta": RosterTeam("beta", "beta", frozenset({"beta_etl"})),
}
KWARGS = 'schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, doc_md=__doc__'


def sample(folder, tags: str, default_args: str, task_args: str = "") -> None:
    write_dag(
        folder,
        "sample.py",
        f"""
    @dag({KWARGS}, tags={tags}, default_args={{"owner": "alpha", "retries": 1, {default_args}}})
    def sample():
        @task({task_args})
        def only():
            pass

        only()

    sample()
    """,
    )


def violations(folder, roster=ROSTER):
    with parse_time_lookups(connection_env()):
        bag = load_dag_bag(folder)
    return run_gates(bag, folder, budget_s=math.inf, roster=roster)


@pytest.fixture
def dags_dir(tmp_path):
    folder = tmp_path / "dags"
    folder.mkdir()
    return folder


def test_a_dag_on_its_teams_queue_and_pool_passes(dags_dir):
    sample(dags_dir, '["etl", "team:alpha"]', '"queue": "alpha", "pool": "alpha_etl"')
    assert violations(dags_dir) == []


def test_the_shared_default_pool_is_open_to_every_team(dags_dir):
    sample(dags_dir, '["team:alpha"]', '"queue": "alpha"')
    assert violations(dags_dir) == []


@pytest.mark.parametrize(
    ("tags", "found"),
    [
        ('["etl"]', "no team tag"),
        ('["team:gamma"]', "tags ['team:gamma']"),
        ('["team:alpha", "team:beta"]', "tags ['team:alpha', 'team:beta']"),
    ],
)
def test_a_dag_must_name_exactly_one_known_team(dags_dir, tags, found):
    sample(dags_dir, tags, '"queue": "alpha"')
    [violation] = violations(dags_dir)
    assert str(violation) == (
        f"dags/sample.py:6: [team] DAG 'sample': must name exactly one team of the platform (alpha, beta), has "
        f"{found}; fix: add one tag 'team:<name>', e.g. tags=[..., 'team:alpha']"
    )


def test_a_task_on_another_teams_queue_is_refused(dags_dir):
    sample(dags_dir, '["team:alpha"]', '"queue": "alpha"', 'queue="beta"')
    [violation] = violations(dags_dir)
    assert str(violation) == (
        "dags/sample.py:8: [team-queue] DAG 'sample': task 'only' runs on queue 'beta', not team 'alpha''s 'alpha'; "
        "fix: set default_args={'queue': 'alpha'} on the DAG, and no other queue on its tasks"
    )


def test_a_task_left_on_the_default_queue_is_refused(dags_dir):
    sample(dags_dir, '["team:alpha"]', '"pool": "alpha_etl"')
    [violation] = violations(dags_dir)
    assert (violation.line, violation.rule) == (8, "team-queue")
    assert "runs on queue 'default'" in violation.message


def test_a_task_in_another_teams_pool_is_refused(dags_dir):
    sample(dags_dir, '["team:alpha"]', '"queue": "alpha"', 'pool="beta_etl"')
    [violation] = violations(dags_dir)
    assert str(violation) == (
        "dags/sample.py:8: [team-pool] DAG 'sample': task 'only' uses pool 'beta_etl', which is not team 'alpha''s "
        "(its pools: alpha_etl); fix: use one of the team's pools or 'default_pool', or declare the pool under the team"
    )


def test_a_team_without_a_queue_keeps_its_tasks_on_the_default_one(dags_dir):
    # On MWAA a team has no queue of its own: its tasks stay on the default queue.
    sample(dags_dir, '["team:alpha"]', '"pool": "alpha_etl"')
    assert violations(dags_dir, {"alpha": RosterTeam("alpha", None, frozenset({"alpha_etl"}))}) == []


def test_without_teams_the_gate_asks_nothing(dags_dir):
    sample(dags_dir, '["etl"]', '"queue": "beta"')
    assert violations(dags_dir, {}) == []


class TestRosterFile:
    """Where the CLI's --teams reads the roster."""

    def test_should_read_settings_teams(self, tmp_path):
        path = tmp_path / "settings.yaml"
        path.write_text(
            yaml.safe_dump({"teams": [{"name": "alpha", "queue": "alpha", "pools": {"alpha_etl": 2}, "role": "r"}]})
        )
        assert read_roster(path) == {"alpha": RosterTeam("alpha", "alpha", frozenset({"alpha_etl"}))}

    def test_should_read_a_stack_files_teams(self, tmp_path):
        path = tmp_path / "Pulumi.prod.yaml"
        path.write_text(yaml.safe_dump({"config": {"airflow-aws:teams": [{"name": "ml", "role": "team-ml"}]}}))
        assert read_roster(path) == {"ml": RosterTeam("ml")}

    def test_should_refuse_a_file_without_teams(self, tmp_path):
        path = tmp_path / "other.yaml"
        path.write_text("config: {}\n")
        with pytest.raises(RosterError, match="holds no `teams:` list"):
            read_roster(path)

    def test_should_report_through_the_cli(self, dags_dir, tmp_path, capsys):
        sample(dags_dir, '["team:alpha"]', '"queue": "beta"')
        teams = tmp_path / "settings.yaml"
        teams.write_text(yaml.safe_dump({"teams": [{"name": "alpha", "queue": "alpha", "role": "r"}]}))
        assert main([str(dags_dir), "--teams", str(teams)]) == 1
        assert "[team-queue]" in capsys.readouterr().out
        assert main([str(dags_dir), "--teams", str(tmp_path / "missing.yaml")]) == 2
