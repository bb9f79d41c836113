"""The stacks with teams (tests/infra/team_stacks.py) under the whole pack: a team's IRSA role, its data grants and
MWAA's web-login policies break no rule."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel

from tests.infra.team_stacks import mwaa_teams_stack, teams_stack
from tests.policy.stack_analysis import analyze, mandatory_violations
from tests.policy.test_example_stacks import ACCEPTED_ADVISORIES

pytestmark = pytest.mark.infra

STACKS = {"teams": teams_stack, "mwaa-teams": mwaa_teams_stack}


@pytest.mark.parametrize("stack", STACKS)
def test_team_stack_has_no_mandatory_violation(stack):
    assert mandatory_violations(STACKS[stack]()) == []


@pytest.mark.parametrize("stack", STACKS)
def test_team_stack_breaks_only_accepted_advisories(stack):
    advisory = [
        f"{v.policy}: {v.message}"
        for v in analyze(STACKS[stack]())
        if v.level == EnforcementLevel.ADVISORY.value and v.policy not in ACCEPTED_ADVISORIES
    ]
    assert advisory == []
