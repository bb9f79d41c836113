"""Each rule of the pack accepts its compliant case and reports its non-compliant one."""

from __future__ import annotations

import pytest

from policy.airflow_aws_policies import POLICIES
from tests.policy.policy_args import BY_NAME, reported, resource_args
from tests.policy.rule_baselines import GOOD_CHART_VALUES, HELM, RDS
from tests.policy.rule_cases import CASES

pytestmark = pytest.mark.infra


def test_every_rule_has_a_passing_and_a_failing_case():
    assert sorted(BY_NAME) == sorted(CASES), "add a (passing, failing) case to rule_cases.CASES for each rule"


def test_the_pack_has_at_least_thirty_rules_with_unique_names():
    assert len(POLICIES) >= 30
    assert len({p.name for p in POLICIES}) == len(POLICIES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_accepts_compliant_case(rule):
    passing, _ = CASES[rule]
    assert reported(BY_NAME[rule], passing) == []


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_reports_non_compliant_case(rule):
    _, failing = CASES[rule]
    messages = reported(BY_NAME[rule], failing)
    assert messages, f"{rule} reported nothing for its failing case"
    assert all("'" in m and ":" in m for m in messages), (
        f"{rule} messages must name the resource and the fix: {messages}"
    )


@pytest.mark.parametrize(
    ("create_user_job", "reported_problem"),
    [
        ({"enabled": False}, None),
        ({}, "passes createUserJob.defaultUser.password"),
        ({"args": ["bash", "-c", "airflow users create --username admin --password admin"]}, "literal --password"),
        ({"args": ["bash", "-c", 'airflow users create --username admin --password "$ADMIN_PASSWORD"']}, None),
    ],
)
def test_create_user_job_must_read_its_password_from_a_secret(create_user_job, reported_problem):
    values = {**GOOD_CHART_VALUES, "createUserJob": create_user_job}
    messages = reported(
        BY_NAME["airflow-helm-secrets-by-reference"], resource_args(HELM, {"chart": "airflow", "values": values})
    )
    assert [m for m in messages if reported_problem and reported_problem in m] == messages
    assert bool(messages) is bool(reported_problem)


def test_a_production_database_without_the_setting_loses_its_backups():
    """AWS deletes automated backups with the instance unless delete_automated_backups is false."""
    good = dict(CASES["rds-keep-automated-backups-in-prod"][0].props)
    del good["deleteAutomatedBackups"]
    messages = reported(BY_NAME["rds-keep-automated-backups-in-prod"], resource_args(RDS, good))
    assert messages and "set delete_automated_backups=False" in messages[0]
