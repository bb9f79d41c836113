"""IRSA: one IAM role per Airflow component, assumable only by that component's service account."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.policies import COMPONENT_ACCESS, airflow_component_policy, irsa_trust_policy


@dataclass(frozen=True)
class ServiceRolesArgs:
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider."""
    oidc_provider_url: pulumi.Input[str]
    """The cluster's OIDC issuer. https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html"""
    namespace: str
    """Namespace of the service accounts."""
    service_accounts: dict[str, str]
    """Chart component (values key, e.g. workers) -> Kubernetes service account name; one role each."""
    logs_bucket_arn: pulumi.Input[str]
    """The only bucket any role may touch."""
    kms_key_arn: pulumi.Input[str]
    """The only key any role may use."""
    region: str
    """Region of the Secrets Manager ARNs."""
    account_id: str
    """Account of the Secrets Manager ARNs."""


class ServiceRoles(pulumi.ComponentResource):
    """Per component in COMPONENT_ACCESS: an aws.iam.Role trusted by exactly one service account through the
    cluster's OIDC provider, and an aws.iam.RolePolicy scoped to the logs bucket, the secrets backend prefixes
    and the platform key (see policies.airflow_component_policy)."""

    role_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ServiceRolesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:service_roles:ServiceRoles", name, None, opts)
        missing = sorted(set(COMPONENT_ACCESS) - set(args.service_accounts))
        if missing:
            raise pulumi.RunError(
                f"{name}: service_accounts has no name for {missing}; give every component in "
                "policies.COMPONENT_ACCESS its service account."
            )
        self.role_arns = {}
        for component, access in COMPONENT_ACCESS.items():
            account = args.service_accounts[component]
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
                    lambda arns, access=access: json.dumps(
                        airflow_component_policy(
                            access,
                            logs_bucket_arn=arns[0],
                            kms_key_arn=arns[1],
                            region=args.region,
                            account_id=args.account_id,
                        )
                    )
                ),
                opts=pulumi.ResourceOptions(parent=role),
            )
            self.role_arns[component] = role.arn
        self.register_outputs({"role_arns": self.role_arns})
