"""The team rules, each worded once (airflow_settings/teams.py, infra/team_config.py): exact wording pinned per
case, the accepted boundary beside each refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_settings import SettingsError, load_settings
from airflow_settings.render import SecretPrefixes, team_secret_prefixes
from airflow_settings.teams import Team, roster_problems
from infra.team_config import TeamConfig, team_problems

GOOD = {
    "name": "analytics",
    "queue": "analytics",
    "pools": {"analytics_etl": 4},
    "role": "team-analytics",
    "workerSet": {"maxReplicas": 3},
    "data": [{"bucket": "acme-raw", "prefix": "sales/"}],
}


def _team(**overrides: Any) -> TeamConfig:
    return TeamConfig.model_validate({**GOOD, **overrides})


def _problems(*teams: TeamConfig, target: str = "eks", name_prefix: str = "airflow-dev", **kwargs: Any) -> list[str]:
    return team_problems(list(teams), target=target, name_prefix=name_prefix, **kwargs)


class TestRoster:
    """What every declaration of teams is held to, locally and on a stack."""

    def test_should_accept_distinct_teams(self):
        other = _team(name="ml", queue="ml", pools={"ml_training": 1}, role="team-ml")
        assert _problems(_team(), other) == []

    def test_should_refuse_what_two_teams_share(self):
        twin = _team(name="analytics", role="team-analytics")
        assert roster_problems([twin.team(), _team().team()]) == [
            f"teams[].{field}: {values} belong to more than one team; fix: give each team its own {field}"
            for field, values in (
                ("name", ["analytics"]),
                ("queue", ["analytics"]),
                ("role", ["team-analytics"]),
                ("pools", ["analytics_etl"]),
            )
        ]

    @pytest.mark.parametrize(
        ("overrides", "problem"),
        [
            (
                {"queue": "default"},
                "teams[0].queue: 'default' is the shared workers' queue, so the team's tasks would run there, under "
                "the shared workers' identity; fix: name the team's own queue, e.g. analytics",
            ),
            (
                {"pools": {"default_pool": 8}},
                "teams[0].pools: 'default_pool' is Airflow's shared pool; fix: name the team's own pool, e.g. "
                "analytics_default",
            ),
            (
                {"role": "Viewer"},
                "teams[0].role: 'Viewer' is a built-in role that sees every DAG; fix: name the team's own role, e.g. "
                "team-analytics",
            ),
        ],
    )
    def test_should_refuse_the_platforms_own_queue_pool_and_roles(self, overrides, problem):
        assert _problems(_team(**overrides)) == [problem]

    @pytest.mark.parametrize("name", ["Analytics", "a--b", "-a", "a" * 21])
    def test_should_refuse_a_name_that_is_no_short_dns_label(self, name):
        with pytest.raises(ValueError, match="name"):
            _team(name=name)


class TestEks:
    """What a team needs on eks."""

    def test_should_require_a_queue_and_a_worker_set(self):
        assert _problems(_team(queue=None, workerSet=None)) == [
            "teams[0].queue: missing, required on eks; fix: name the queue the team's workers serve, e.g. analytics",
            "teams[0].workerSet: missing, required on eks; fix: set workerSet (cpu, memory, minReplicas, maxReplicas)",
        ]

    def test_should_refuse_inverted_autoscaling_bounds(self):
        with pytest.raises(ValueError, match="minReplicas 3 is above maxReplicas 2; fix: swap them"):
            _team(workerSet={"minReplicas": 3, "maxReplicas": 2})

    def test_should_fit_the_teams_iam_role_name(self):
        prefix = "a" * 24
        # <prefix>-irsa-airflow-worker-<team>-<7 hex>: 24 + 21 + 11 + 8 = 64 fits, a 12-letter team does not.
        assert _problems(_team(name="a" * 11), name_prefix=prefix) == []
        assert _problems(_team(name="a" * 12), name_prefix=prefix) == [
            f"teams[0].name: the team's IAM role {prefix}-irsa-airflow-worker-{'a' * 12}-<7 hex> would be 65 "
            "characters, over AWS's limit of 64; fix: shorten the team name to at most 11 characters, or namePrefix"
        ]

    def test_should_refuse_pod_launching_with_teams(self):
        assert _problems(_team(), pod_launching=True) == [
            "chart.podLaunching: the chart binds its pod-launcher role to the shared workers' service account only, "
            "so a team's tasks could not launch pods from its own worker set; fix: set podLaunching to false, or run "
            "pod-launching tasks on the shared (default) queue without teams"
        ]


class TestData:
    """The S3 data a team may use: exact buckets, folder prefixes."""

    @pytest.mark.parametrize(
        "grant",
        [
            {"bucket": "acme-raw"},
            {"bucket": "arn:aws:s3:::acme.raw-2", "prefix": "a/b/", "access": "write"},
        ],
    )
    def test_should_accept_a_bucket_name_or_arn_and_a_folder(self, grant):
        assert _problems(_team(data=[grant])) == []

    @pytest.mark.parametrize(
        ("grant", "problem"),
        [
            (
                {"bucket": "Acme_Raw"},
                "teams[0].data[0].bucket: 'Acme_Raw' is not an S3 bucket name (3 to 63 lower-case letters, digits, "
                "dots and dashes, starting and ending with a letter or digit, not an IP address, not a reserved "
                "prefix); fix: use the bucket's exact name or arn:aws:s3:::<name>",
            ),
            (
                {"bucket": "arn:aws:iam::111122223333:role/x"},
                "teams[0].data[0].bucket: 'arn:aws:iam::111122223333:role/x' is not an S3 bucket ARN; fix: use "
                "arn:aws:s3:::<name>",
            ),
            (
                {"bucket": "acme-raw", "prefix": "raw"},
                "teams[0].data[0].prefix: 'raw' must not start with / and must end with /, so the grant covers that "
                "folder only (raw/ would otherwise also match raw-archive/); fix: e.g. raw/sales/, or empty for the "
                "whole bucket",
            ),
            (
                {"bucket": "acme-raw", "prefix": "raw/*/"},
                "teams[0].data[0].prefix: 'raw/*/' holds an IAM wildcard or variable; fix: name the folder literally",
            ),
        ],
    )
    def test_should_refuse_what_iam_could_not_scope(self, grant, problem):
        assert _problems(_team(data=[grant])) == [problem]


class TestMwaa:
    """On mwaa a team keeps its pools and UI role only."""

    def test_should_accept_pools_and_a_role(self):
        assert _problems(_team(queue=None, workerSet=None, data=[]), target="mwaa") == []


class TestSecretPrefixes:
    """A team's prefixes sit beside the shared ones, within the same root."""

    @pytest.mark.parametrize(
        ("shared", "team"),
        [
            (
                ("airflow-prod/connections", "airflow-prod/variables"),
                ("airflow-prod/teams/ml/connections", "airflow-prod/teams/ml/variables"),
            ),
            (("connections", "variables"), ("teams/ml/connections", "teams/ml/variables")),
        ],
    )
    def test_should_put_the_teams_under_teams(self, shared, team):
        assert team_secret_prefixes(SecretPrefixes(*shared), "ml") == SecretPrefixes(*team)


class TestLocalTeams:
    """settings.yaml `teams:`: the same rules, and a queue for the local worker."""

    def _settings_with(self, tmp_path: Path, teams: str) -> Path:
        path = tmp_path / "settings.yaml"
        path.write_text("airflow: {}\nteams:\n" + teams)
        return path

    def test_should_load_the_local_teams(self, tmp_path):
        path = self._settings_with(
            tmp_path, "  - {name: alpha, queue: alpha, pools: {alpha_etl: 2}, role: team-alpha}\n"
        )
        assert load_settings(path).teams == (
            Team(name="alpha", queue="alpha", pools={"alpha_etl": 2}, role="team-alpha"),
        )

    def test_should_refuse_a_local_team_without_a_queue(self, tmp_path):
        path = self._settings_with(tmp_path, "  - {name: alpha, role: Admin}\n")
        with pytest.raises(SettingsError) as refused:
            load_settings(path)
        assert str(refused.value).splitlines()[1:] == [
            "teams[0].role: 'Admin' is a built-in role that sees every DAG; fix: name the team's own role, e.g. "
            "team-alpha",
            "teams[0].queue: missing; fix: name the queue the team's local worker serves, e.g. alpha",
        ]

    def test_should_declare_no_team_in_the_committed_settings(self):
        assert load_settings().teams == ()
