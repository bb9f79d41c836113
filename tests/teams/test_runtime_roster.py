"""The plugin's side of the teams: the roster it reads, the access a DAG gets, and a team role's permissions."""

from __future__ import annotations

import pytest
from dataplatform.teams import roster as runtime
from dataplatform.teams.policy import DAG_ACCESS, team_access_control
from dataplatform.teams.roles import team_role_permissions
from dataplatform.teams.roster import read_roster, team_of

from airflow_settings import teams as declared
from airflow_settings.teams import Team, roster_value
from dag_gates import teams as gate

ROSTER = roster_value(
    [
        Team(name="alpha", queue="alpha", pools={"alpha_etl": 2}, role="team-alpha"),
        Team(name="beta", queue="beta", role="team-beta"),
    ]
)


class TestRoster:
    """What the deployment writes is what the plugin reads."""

    def test_should_name_the_same_config_key_and_tag_as_the_declaration(self):
        assert (runtime.ROSTER_SECTION, runtime.ROSTER_KEY, runtime.TEAM_TAG_PREFIX) == (
            declared.ROSTER_SECTION,
            declared.ROSTER_KEY,
            declared.TEAM_TAG_PREFIX,
        )

    def test_should_gate_dags_by_the_same_tag_queue_and_pool(self):
        # dag_gates installs without this repository, so it keeps its own copies.
        assert (gate.TEAM_TAG_PREFIX, gate.DEFAULT_QUEUE, gate.DEFAULT_POOL) == (
            declared.TEAM_TAG_PREFIX,
            declared.DEFAULT_QUEUE,
            declared.DEFAULT_POOL,
        )

    def test_should_read_back_every_team(self):
        roster = read_roster(ROSTER)
        assert sorted(roster) == ["alpha", "beta"]
        assert (roster["alpha"].role, roster["alpha"].queue, dict(roster["alpha"].pools)) == (
            "team-alpha",
            "alpha",
            {"alpha_etl": 2},
        )

    def test_should_be_empty_without_teams(self):
        assert read_roster("") == {}

    @pytest.mark.parametrize(
        ("tags", "team"),
        [(["etl", "team:alpha"], "alpha"), (["etl"], None), (["team:alpha", "team:beta"], None), (None, None)],
    )
    def test_should_find_a_dags_one_team_tag(self, tags, team):
        assert team_of(tags) == team


class TestAccessControl:
    """The cluster policy's access_control: the team's role on its own DAGs, nothing for others."""

    def test_should_grant_the_teams_role_its_dag(self):
        assert team_access_control(["team:alpha"], ROSTER) == {"team-alpha": DAG_ACCESS}

    @pytest.mark.parametrize("tags", [["etl"], ["team:gamma"], ["team:alpha", "team:beta"]])
    def test_should_grant_no_team_a_dag_of_no_known_team(self, tags):
        assert team_access_control(tags, ROSTER) is None


class TestTeamRole:
    """A team role is the User role without the global DAG permissions."""

    def test_should_hold_no_permission_on_every_dag(self):
        permissions = team_role_permissions()
        assert not [pair for pair in permissions if pair[1] == "DAGs" and pair[0] != "menu_access"]

    def test_should_keep_the_rights_dag_level_access_is_checked_with(self):
        permissions = set(team_role_permissions())
        assert {
            ("can_read", "Task Logs"),
            ("can_read", "DAG Runs"),
            ("can_create", "DAG Runs"),
            ("can_read", "Task Instances"),
            ("can_edit", "Task Instances"),
        } <= permissions
