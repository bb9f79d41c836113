"""IAM: least privilege for the roles Airflow's pods (IRSA) and MWAA run as."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs

from ._base import ADVISORY, MANDATORY, AwsResourcePolicy, as_list, as_mapping, label, prop

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"

# AWS-managed policies that amount to administrator rights on the account or on IAM itself.
ADMIN_POLICY_NAMES = frozenset({"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"})
# `system:serviceaccount:<namespace>:<name>`, both DNS labels, no wildcard.
SERVICE_ACCOUNT_SUBJECT = re.compile(
    r"^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$"
)
STS_AUDIENCE = "sts.amazonaws.com"


def statements(policy_document: Any) -> list[Mapping[str, Any]]:
    """The statements of a policy document given as JSON text or as a mapping."""
    return [s for s in as_list(as_mapping(policy_document).get("Statement")) if isinstance(s, Mapping)]


def allows_everyone(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS"))


def _wildcard_actions(statement: Mapping[str, Any]) -> list[str]:
    """Actions that grant a whole service (`s3:*`) or everything (`*`), or any `NotAction` grant."""
    if statement.get("Effect") != "Allow":
        return []
    if "NotAction" in statement:
        return [f"NotAction {statement['NotAction']}"]
    return [a for a in as_list(statement.get("Action")) if a == "*" or str(a).endswith(":*")]


def _policy_documents(args: ResourceValidationArgs) -> list[Any]:
    """Every customer-written permissions document the resource carries."""
    if args.resource_type == ROLE:
        return [p.get("policy") for p in as_list(args.props.get("inlinePolicies")) if isinstance(p, Mapping)]
    return [args.props.get("policy")]


def _no_wildcard_actions(args: ResourceValidationArgs) -> Iterator[str]:
    for document in _policy_documents(args):
        for statement in statements(document):
            if wildcards := _wildcard_actions(statement):
                yield (
                    f"{label(args)} grants {', '.join(map(str, wildcards))} (statement "
                    f"{statement.get('Sid', '(no Sid)')}): list the actions the workload calls."
                )


def _admin_policy_arns(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type == ROLE:
        arns = as_list(args.props.get("managedPolicyArns"))
    else:
        arns = [args.props.get("policyArn")]
    return [str(a) for a in arns if str(a).rsplit("/", 1)[-1] in ADMIN_POLICY_NAMES]


def _no_admin(args: ResourceValidationArgs) -> Iterator[str]:
    for arn in _admin_policy_arns(args):
        yield f"{label(args)} attaches {arn}: attach a policy with only the actions the role needs."
    for document in _policy_documents(args):
        for statement in statements(document):
            if (
                statement.get("Effect") == "Allow"
                and "*" in as_list(statement.get("Action"))
                and "*" in as_list(statement.get("Resource"))
            ):
                yield (f"{label(args)} has an inline administrator statement (Action '*' on Resource '*'): remove it.")


def _web_identity_statements(trust_policy: Any) -> Iterator[Mapping[str, Any]]:
    for statement in statements(trust_policy):
        federated = as_list(prop(statement, "Principal", "Federated"))
        if statement.get("Effect") == "Allow" and (
            "sts:AssumeRoleWithWebIdentity" in as_list(statement.get("Action"))
            or any("oidc-provider" in str(f) for f in federated)
        ):
            yield statement


def _conditions(statement: Mapping[str, Any], operator: str, suffix: str) -> list[str]:
    block = as_mapping(prop(statement, "Condition", operator))
    return [str(v) for key, value in block.items() if str(key).endswith(suffix) for v in as_list(value)]


def _irsa_trust_scoped(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in _web_identity_statements(args.props.get("assumeRolePolicy")):
        subjects = _conditions(statement, "StringEquals", ":sub")
        loose = _conditions(statement, "StringLike", ":sub")
        if loose:
            yield (
                f"{label(args)} trusts OIDC subjects by pattern {loose}: use StringEquals on "
                "'<issuer>:sub' with 'system:serviceaccount:<namespace>:<name>'."
            )
        elif not subjects:
            yield (
                f"{label(args)} can be assumed by any service account of the cluster: add a StringEquals "
                "condition on '<issuer>:sub' = 'system:serviceaccount:<namespace>:<name>'."
            )
        for subject in subjects:
            if not SERVICE_ACCOUNT_SUBJECT.match(subject):
                yield (
                    f"{label(args)} trusts subject '{subject}', which is not one service account "
                    "('system:serviceaccount:<namespace>:<name>')."
                )


def _irsa_audience(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in _web_identity_statements(args.props.get("assumeRolePolicy")):
        if _conditions(statement, "StringEquals", ":aud") != [STS_AUDIENCE]:
            yield (
                f"{label(args)} does not pin the token audience: add StringEquals '<issuer>:aud' = '{STS_AUDIENCE}'."
            )


def _trust_not_public(args: ResourceValidationArgs) -> Iterator[str]:
    for statement in statements(args.props.get("assumeRolePolicy")):
        if statement.get("Effect") == "Allow" and allows_everyone(statement):
            yield (f"{label(args)} can be assumed by any AWS principal: name the principal in the trust policy.")


def _oidc_provider_audience(args: ResourceValidationArgs) -> Iterator[str]:
    audiences = as_list(args.props.get("clientIdLists"))
    if audiences != [STS_AUDIENCE]:
        yield f"{label(args)} accepts tokens for {audiences}: set client_id_lists=['{STS_AUDIENCE}']."


POLICIES = [
    AwsResourcePolicy(
        "iam-no-wildcard-actions",
        "Customer-written IAM policies (the data-plane roles: IRSA, MWAA execution) grant no '*' or 'service:*' "
        "actions and no NotAction.",
        [POLICY, ROLE_POLICY, ROLE],
        _no_wildcard_actions,
        MANDATORY,
        "List the actions the workload calls, scoped to its resources.",
    ),
    AwsResourcePolicy(
        "iam-no-admin",
        "No role gets AdministratorAccess, PowerUserAccess, IAMFullAccess or an inline '*' on '*'.",
        [ROLE, ROLE_POLICY, POLICY, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT],
        _no_admin,
        MANDATORY,
        "Attach a least-privilege policy instead.",
    ),
    AwsResourcePolicy(
        "iam-irsa-trust-scoped",
        "IRSA trust policies are scoped to one service account: StringEquals on the OIDC 'sub'.",
        [ROLE],
        _irsa_trust_scoped,
        MANDATORY,
        "Condition StringEquals '<issuer>:sub' = 'system:serviceaccount:<namespace>:<name>'.",
    ),
    AwsResourcePolicy(
        "iam-irsa-audience",
        "IRSA trust policies pin the token audience to sts.amazonaws.com.",
        [ROLE],
        _irsa_audience,
        ADVISORY,
        "Condition StringEquals '<issuer>:aud' = 'sts.amazonaws.com'.",
    ),
    AwsResourcePolicy(
        "iam-trust-not-public",
        "No role can be assumed by every AWS principal ('*').",
        [ROLE],
        _trust_not_public,
        MANDATORY,
        "Name the trusted principal.",
    ),
    AwsResourcePolicy(
        "iam-oidc-provider-audience",
        "The cluster's OIDC provider accepts only sts.amazonaws.com tokens.",
        [OIDC_PROVIDER],
        _oidc_provider_audience,
        ADVISORY,
        "Set client_id_lists=['sts.amazonaws.com'].",
    ),
]
