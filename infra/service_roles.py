"""IRSA: one IAM role per Airflow component, assumable only by that component's service account."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from airflow_settings.render import SecretPrefixes
from infra.components import ServiceRole
from infra.iam_documents import airflow_component_policy, irsa_trust_policy
from infra.teams import RoleScope


@dataclass(frozen=True)
class ServiceRolesArgs:
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider."""
    oidc_provider_url: pulumi.Input[str]
    """The cluster's OIDC issuer. https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html"""
    namespace: str
    """Namespace of the service accounts."""
    roles: Mapping[str, ServiceRole]
    """Chart component (values key, e.g. workers) -> its role: the service account it trusts and the access it
    grants (components.SERVICE_ROLES)."""
    logs_bucket_arn: pulumi.Input[str]
    """The only bucket any role may touch."""
    kms_key_arn: pulumi.Input[str]
    """The only key any role may use."""
    secret_prefixes: SecretPrefixes
    """The secrets backend prefixes a role that reads secrets may read under (airflow_settings)."""
    region: str
    """Region of the Secrets Manager ARNs."""
    account_id: str
    """Account of the Secrets Manager ARNs."""
    scopes: Mapping[str, RoleScope] = field(default_factory=dict)
    """Role key -> its own secrets prefixes and data, for the roles that read neither the shared prefixes alone
    nor no data: each team's worker set. Defaults to none (every role reads secret_prefixes)."""


class ServiceRoles(pulumi.ComponentResource):
    """Per entry of args.roles: an aws.iam.Role trusted by exactly one service account through the cluster's OIDC
    provider, and an aws.iam.RolePolicy scoped to the logs bucket, the secrets backend prefixes (its scope's, for a
    role in args.scopes) and the platform key (see iam_documents.airflow_component_policy)."""

    role_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ServiceRolesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:service_roles:ServiceRoles", name, None, opts)
        role_arns = {}
        for component, grant in args.roles.items():
            account = grant.service_account
            scope = args.scopes.get(component, RoleScope(args.secret_prefixes))
            role = aws.iam.Role(
                f"{name}-{account}",
                description=f"IRSA role of {args.namespace}/{account}",
                assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_provider_url).apply(
                    lambda oidc, account=account: json.dumps(
                        irsa_trust_policy(oidc[0], oidc[1], args.namespace, account)
                    )
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.iam.RolePolicy(
                f"{name}-{account}-policy",
                role=role.id,
                policy=pulumi.Output.all(args.logs_bucket_arn, args.kms_key_arn).apply(
                    lambda arns, grant=grant, scope=scope: json.dumps(
                        airflow_component_policy(
                            grant,
                            logs_bucket_arn=arns[0],
                            kms_key_arn=arns[1],
                            secret_prefixes=scope.secret_prefixes,
                            region=args.region,
                            account_id=args.account_id,
                            data=scope.data,
                        )
                    )
                ),
                opts=pulumi.ResourceOptions(parent=role),
            )
            role_arns[component] = role.arn
        self.role_arns = role_arns
        self.register_outputs({"role_arns": self.role_arns})
