"""MWAA's side of the teams' UI roles: an IAM policy per team that lets its members sign in as the team's role.

MWAA signs users in through IAM: `airflow:CreateWebLoginToken` on arn:aws:airflow:<region>:<account>:role/<env>/<role>
maps an IAM principal to that Airflow role, custom ones included. The policies are created unattached: the
operator attaches each to the team's IAM group or SSO permission set.
https://docs.aws.amazon.com/mwaa/latest/userguide/limit-access-to-access-control.html
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.iam_documents import mwaa_web_login_policy
from infra.team_config import TeamConfig


@dataclass(frozen=True)
class TeamWebLoginsArgs:
    environment_name: str
    """The MWAA environment's name."""
    teams: Sequence[TeamConfig]
    """The stack's teams; each gets a policy for its UI role."""
    region: str
    """Region of the environment, in the role ARNs."""
    account_id: str
    """Account of the environment, in the role ARNs."""


class TeamWebLogins(pulumi.ComponentResource):
    """Per team, an aws.iam.Policy granting airflow:CreateWebLoginToken on the team's Airflow role only."""

    policy_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: TeamWebLoginsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:team_logins:TeamWebLogins", name, None, opts)
        self.policy_arns = {
            team.name: aws.iam.Policy(
                f"{name}-{team.name}",
                description=f"Sign in to MWAA environment {args.environment_name} as Airflow role {team.role}",
                policy=json.dumps(
                    mwaa_web_login_policy(
                        region=args.region,
                        account_id=args.account_id,
                        environment_name=args.environment_name,
                        role=team.role,
                    )
                ),
                opts=pulumi.ResourceOptions(parent=self),
            ).arn
            for team in args.teams
        }
        self.register_outputs({"policy_arns": self.policy_arns})
