"""Airflow's own secrets (Fernet key, JWT secret, API secret key, first admin password), generated once and
kept in Secrets Manager.

(Named airflow_secrets, not secrets: Pulumi runs infra/ as the program folder, where a secrets.py would
shadow the standard library module.)
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

RECOVERY_WINDOW_DAYS = 30
"""Days a deleted secret can still be restored (AWS's default and maximum) outside disposable stacks.
https://docs.aws.amazon.com/secretsmanager/latest/userguide/manage_delete-restore-secret.html"""


def store_secret(
    name: str,
    *,
    secret_name: str,
    description: str,
    value: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    disposable: bool,
    seed_only: bool = False,
) -> aws.secretsmanager.Secret:
    """A Secrets Manager secret `name` (with its version `name`-value beneath it) holding `value` as a Pulumi
    secret, encrypted with the platform key: the one way the components store what they generate.
    `disposable`: deleted at once on destroy (no recovery window), since a secret scheduled for deletion keeps its
    name and the next `pulumi up` would fail on it ("a secret with this name is already scheduled for deletion");
    otherwise it can be restored for RECOVERY_WINDOW_DAYS.
    `seed_only`: Pulumi writes the first value and then leaves it to a rotation outside Pulumi."""
    secret = aws.secretsmanager.Secret(
        name,
        name=secret_name,
        kms_key_id=kms_key_arn,
        description=description,
        recovery_window_in_days=0 if disposable else RECOVERY_WINDOW_DAYS,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.secretsmanager.SecretVersion(
        f"{name}-value",
        secret_id=secret.id,
        secret_string=pulumi.Output.secret(value),
        opts=pulumi.ResourceOptions(parent=secret, ignore_changes=["secretString"] if seed_only else None),
    )
    return secret


def fernet_key_from_base64(standard_base64: str) -> str:
    """Fernet wants 32 bytes in URL-safe base64; random.RandomBytes gives standard base64."""
    return standard_base64.replace("+", "-").replace("/", "_")


@dataclass(frozen=True)
class AirflowSecretsArgs:
    name_prefix: str
    """Secrets Manager names become <name_prefix>/fernet-key, …/jwt-secret, …/api-secret-key, …/admin-password."""
    kms_key_arn: pulumi.Input[str]
    """Key encrypting the four secrets."""
    disposable: bool = False
    """Destroyed with the stack and created again at once (dev stacks): the secrets skip Secrets Manager's
    recovery window. Defaults to false (30 days)."""


class AirflowSecrets(pulumi.ComponentResource):
    """random.RandomBytes (Fernet key) and three random.RandomPassword (JWT secret, API secret key, first admin
    password), each stored as an aws.secretsmanager.Secret + SecretVersion encrypted with the platform key.
    Values are generated once and stay stable across updates; only the secrets' ARNs leave the component (the
    workloads stage reads the values from Secrets Manager)."""

    arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AirflowSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:airflow_secrets:AirflowSecrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        fernet = random.RandomBytes(f"{name}-fernet-key", length=32, opts=child)
        generated = {
            "fernet-key": fernet.base64.apply(fernet_key_from_base64),
            "jwt-secret": random.RandomPassword(f"{name}-jwt-secret", length=64, special=False, opts=child).result,
            "api-secret-key": random.RandomPassword(
                f"{name}-api-secret-key", length=64, special=False, opts=child
            ).result,
            # The first UI login (FAB auth manager); people then get their own users.
            "admin-password": random.RandomPassword(
                f"{name}-admin-password", length=32, special=False, opts=child
            ).result,
        }
        values = {key: pulumi.Output.secret(value) for key, value in generated.items()}
        arns = {}
        for key, value in values.items():
            secret = store_secret(
                f"{name}-{key}",
                secret_name=f"{args.name_prefix}/{key}",
                description=f"Airflow {key}",
                value=value,
                kms_key_arn=args.kms_key_arn,
                parent=self,
                disposable=args.disposable,
                # scripts/rotate-fernet-key replaces the Fernet key in place; Pulumi only seeds it.
                seed_only=key == "fernet-key",
            )
            arns[key] = secret.arn
        self.arns = arns
        self.register_outputs({"arns": self.arns})
