"""Teams on the stacks (tests/infra/team_stacks.py): each team's IRSA role, scoped to its service account, its
secrets prefixes and its data, and nobody else's; MWAA's mapping of pools and UI roles, and its refusals."""

from __future__ import annotations

import json

import pytest

from airflow_settings import load_settings
from infra.config import StackConfigError
from infra.stack import stack_config_from
from tests.infra.harness import ACCOUNT_ID, OIDC_URL, Recorded, stack_config, statements
from tests.infra.team_stacks import MWAA_TEAMS, TEAMS, TEAMS_NAME_PREFIX, mwaa_teams_stack, teams_platform

pytestmark = pytest.mark.infra

SECRETS = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:{TEAMS_NAME_PREFIX}"
TEAM_NAMES = [team["name"] for team in TEAMS]


def role_of(account: str) -> Recorded:
    return teams_platform().find_created("aws:iam/role:Role", f"{TEAMS_NAME_PREFIX}-irsa-{account}")


def policy_of(account: str) -> dict[str, dict]:
    policy = teams_platform().find_created(
        "aws:iam/rolePolicy:RolePolicy", f"{TEAMS_NAME_PREFIX}-irsa-{account}-policy"
    )
    return {statement["Sid"]: statement for statement in statements(policy)}


@pytest.mark.parametrize("team", TEAM_NAMES)
class TestTeamRoles:
    """One IRSA role per team: its worker set's account, its prefixes, its data, the platform key through services."""

    def test_should_trust_only_the_teams_service_account(self, team: str):
        (trust,) = json.loads(role_of(f"airflow-worker-{team}").inputs["assumeRolePolicy"])["Statement"]
        issuer = OIDC_URL.removeprefix("https://")
        assert (
            trust["Condition"]["StringEquals"][f"{issuer}:sub"]
            == f"system:serviceaccount:airflow:airflow-worker-{team}"
        )

    def test_should_read_only_the_teams_own_secrets(self, team: str):
        assert policy_of(f"airflow-worker-{team}")["SecretsBackend"]["Resource"] == [
            f"{SECRETS}/teams/{team}/connections/*",
            f"{SECRETS}/teams/{team}/variables/*",
        ]

    def test_should_write_task_logs_and_use_the_key_through_services_only(self, team: str):
        policy = policy_of(f"airflow-worker-{team}")
        assert policy["TaskLogs"]["Action"] == ["s3:GetObject", "s3:PutObject"]
        assert sorted(policy["PlatformKey"]["Condition"]["StringEquals"]["kms:ViaService"]) == [
            "s3.eu-west-1.amazonaws.com",
            "secretsmanager.eu-west-1.amazonaws.com",
        ]


class TestTeamData:
    """A team's data is granted to its role alone: the listed buckets, under the listed prefixes."""

    def test_should_grant_read_under_the_prefix_and_write_to_the_whole_bucket(self):
        policy = policy_of("airflow-worker-analytics")
        assert policy["DataList0"]["Resource"] == ["arn:aws:s3:::acme-analytics-raw"]
        assert policy["DataList0"]["Condition"] == {"StringLike": {"s3:prefix": ["sales/*"]}}
        assert (policy["DataObjects0"]["Action"], policy["DataObjects0"]["Resource"]) == (
            ["s3:GetObject"],
            ["arn:aws:s3:::acme-analytics-raw/sales/*"],
        )
        assert "Condition" not in policy["DataList1"]
        assert (policy["DataObjects1"]["Action"], policy["DataObjects1"]["Resource"]) == (
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            ["arn:aws:s3:::acme-analytics-marts/*"],
        )

    def test_should_grant_no_other_role_a_teams_data_or_secrets(self):
        exposed = []
        for policy in teams_platform().of_type("aws:iam/rolePolicy:RolePolicy"):
            for statement in statements(policy):
                resources = " ".join(statement["Resource"])
                for team in TEAM_NAMES:
                    own = policy.name == f"{TEAMS_NAME_PREFIX}-irsa-airflow-worker-{team}-policy"
                    if not own and (
                        f"/teams/{team}/" in resources or (team == "analytics" and "acme-analytics" in resources)
                    ):
                        exposed.append(f"{policy.name}: {statement['Sid']}")
        assert exposed == []

    def test_should_keep_the_shared_workers_on_the_shared_prefixes(self):
        assert policy_of("airflow-worker")["SecretsBackend"]["Resource"] == [
            f"{SECRETS}/connections/*",
            f"{SECRETS}/variables/*",
        ]


def test_should_export_where_each_team_stores_its_secrets():
    assert teams_platform().outputs["teamSecretPrefixes"] == {
        team: {
            "connections": f"{TEAMS_NAME_PREFIX}/teams/{team}/connections",
            "variables": f"{TEAMS_NAME_PREFIX}/teams/{team}/variables",
        }
        for team in TEAM_NAMES
    }


class TestMwaaTeams:
    """On MWAA the pools and UI roles map; queues, worker sets and data of a team's own are refused."""

    def test_should_hand_the_roster_to_airflow(self):
        (environment,) = mwaa_teams_stack().of_type("aws:mwaa/environment:Environment")
        roster = json.loads(environment.inputs["airflowConfigurationOptions"]["platform_teams.roster"])
        assert [(team["name"], team["role"], team["pools"], team["queue"]) for team in roster] == [
            (team["name"], team["role"], team["pools"], None) for team in MWAA_TEAMS
        ]

    @pytest.mark.parametrize("team", MWAA_TEAMS, ids=[team["name"] for team in MWAA_TEAMS])
    def test_should_let_the_teams_members_sign_in_as_its_role_only(self, team: dict):
        policy = mwaa_teams_stack().find_created("aws:iam/policy:Policy", f"airflow-mwaa-team-logins-{team['name']}")
        (statement,) = statements(policy)
        assert (statement["Action"], statement["Resource"]) == (
            ["airflow:CreateWebLoginToken"],
            [f"arn:aws:airflow:eu-west-1:{ACCOUNT_ID}:role/airflow-mwaa/{team['role']}"],
        )
        assert mwaa_teams_stack().outputs["teamWebLoginPolicyArns"][team["name"]].endswith(policy.name)

    def test_should_refuse_a_queue_a_worker_set_and_data(self):
        config = {**stack_config("mwaa"), "airflow-aws:teams": TEAMS[:1]}
        fix = (
            "fix: remove {key} (pools and the UI role still apply), or deploy the teams on eks, where each gets its "
            "own queue, workers and IAM role (docs/teams.md)"
        )
        with pytest.raises(StackConfigError) as refused:
            stack_config_from(config, stack="mwaa", settings=load_settings())
        lines = str(refused.value).splitlines()[1:]
        assert lines == [
            "  airflow-aws:teams[0].queue: not available on mwaa: MWAA's workers serve one queue, so the team's tasks "
            "would never run; " + fix.format(key="queue"),
            "  airflow-aws:teams[0].workerSet: not available on mwaa: MWAA scales one worker fleet for all tasks "
            "(mwaa.minWorkers/maxWorkers); " + fix.format(key="workerSet"),
            "  airflow-aws:teams[0].data: not available on mwaa: every MWAA task runs under the environment's one "
            "execution role, so data granted to one team is granted to all; " + fix.format(key="data"),
        ]
