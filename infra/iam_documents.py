"""IAM and bucket policy documents as plain dicts: pure, so tests read every statement without Pulumi.

(The rules every stack must pass, "policy" in the Pulumi sense, live in the policy pack, policy/.)

No IAM statement uses a wildcard action. Resources are exact ARNs or fixed prefixes; the few account-level actions
AWS only authorises on "*" are listed in ACCOUNT_LEVEL_ACTIONS with the reason. The key policy is AWS's own
wording (its default delegation to IAM, and the statements AWS requires for Auto Scaling), kept verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_settings.render import SecretPrefixes
from infra.components import ServiceRole
from infra.team_config import DataAccessConfig

Policy = dict[str, Any]

ACCOUNT_LEVEL_ACTIONS = {
    # MWAA checks that the account does not make its bucket public; the action has no resource-level form.
    "s3:GetAccountPublicAccessBlock": "no resource-level permissions (AWS service authorization reference)",
    # CloudWatch metrics and log-group listing are account-wide APIs.
    "cloudwatch:PutMetricData": "no resource-level permissions",
    "logs:DescribeLogGroups": "lists every group; the MWAA console and environment call it",
}


def _document(*statements: Policy) -> Policy:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def tls_only_bucket_policy(bucket_arn: str) -> Policy:
    """Deny every request to the bucket that does not come over TLS."""
    return _document(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


def irsa_trust_policy(oidc_provider_arn: str, oidc_provider_url: str, namespace: str, service_account: str) -> Policy:
    """Trust exactly one Kubernetes service account of one namespace through the cluster's OIDC provider."""
    issuer = oidc_provider_url.removeprefix("https://")
    return _document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                    f"{issuer}:aud": "sts.amazonaws.com",
                }
            },
        }
    )


def secret_arn_patterns(prefixes: SecretPrefixes, *, region: str, account_id: str) -> list[str]:
    """The secrets the backend may read: everything under its connections and variables prefixes."""
    return [
        f"arn:aws:secretsmanager:{region}:{account_id}:secret:{prefix}/*"
        for prefix in (prefixes.connections, prefixes.variables)
    ]


def airflow_component_policy(
    role: ServiceRole,
    *,
    logs_bucket_arn: str,
    kms_key_arn: str,
    secret_prefixes: SecretPrefixes,
    region: str,
    account_id: str,
    data: Sequence[DataAccessConfig] = (),
) -> Policy:
    """The inline policy of one component's IRSA role, scoped to the logs bucket, secret prefixes and key, plus
    the S3 `data` a team's worker set may use (data_access_statements; none for the platform's components)."""
    statements: list[Policy] = []
    if role.logs != "none":
        object_actions = ["s3:GetObject"] + (["s3:PutObject"] if role.logs == "write" else [])
        statements += [
            {
                "Sid": "ListLogsBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [logs_bucket_arn],
            },
            {
                "Sid": "TaskLogs",
                "Effect": "Allow",
                "Action": object_actions,
                "Resource": [f"{logs_bucket_arn}/*"],
            },
        ]
    if role.reads_secrets:
        statements.append(
            {
                "Sid": "SecretsBackend",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": secret_arn_patterns(secret_prefixes, region=region, account_id=account_id),
            }
        )
    statements += data_access_statements(data)
    kms_actions = ["kms:Decrypt"] + (["kms:GenerateDataKey"] if role.logs == "write" else [])
    # Only through the services that hold data under the key for these roles: Secrets Manager (the backend's
    # secrets) and S3 (task logs). A stolen web-identity token then cannot decrypt anything else with it.
    statements.append(
        {
            "Sid": "PlatformKey",
            "Effect": "Allow",
            "Action": kms_actions,
            "Resource": [kms_key_arn],
            "Condition": {"StringEquals": {"kms:ViaService": via_services(region, "secretsmanager", "s3")}},
        }
    )
    return _document(*statements)


def data_access_statements(data: Sequence[DataAccessConfig]) -> list[Policy]:
    """Per grant: listing the bucket under the prefix only (s3:prefix), and getting (read) or also putting and
    deleting (write) the objects under it. https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-policies-s3.html"""
    statements: list[Policy] = []
    for index, grant in enumerate(data):
        listing: Policy = {
            "Sid": f"DataList{index}",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [grant.bucket_arn],
        }
        if grant.prefix:
            listing["Condition"] = {"StringLike": {"s3:prefix": [f"{grant.prefix}*"]}}
        writes = ["s3:PutObject", "s3:DeleteObject"] if grant.access == "write" else []
        statements += [
            listing,
            {
                "Sid": f"DataObjects{index}",
                "Effect": "Allow",
                "Action": ["s3:GetObject", *writes],
                "Resource": [f"{grant.bucket_arn}/{grant.prefix}*"],
            },
        ]
    return statements


def via_services(region: str, *services: str) -> list[str]:
    """`kms:ViaService` values for `services` in `region`: the key may be used only through those services.
    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service"""
    return [f"{service}.{region}.amazonaws.com" for service in services]


MWAA_SERVICE_PRINCIPALS = ("airflow.amazonaws.com", "airflow-env.amazonaws.com")


def mwaa_trust_policy() -> Policy:
    return _document(
        {
            "Effect": "Allow",
            "Principal": {"Service": list(MWAA_SERVICE_PRINCIPALS)},
            "Action": "sts:AssumeRole",
        }
    )


def mwaa_execution_policy(
    *,
    environment_name: str,
    source_bucket_arn: str,
    kms_key_arn: str,
    secret_prefixes: SecretPrefixes,
    region: str,
    account_id: str,
) -> Policy:
    """The permissions MWAA documents for an execution role with a customer-managed key, plus a CLI token for its own
    environment (the maintenance DAG's), and nothing more.

    https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-create-role.html
    """
    log_groups = f"arn:aws:logs:{region}:{account_id}:log-group:airflow-{environment_name}-*"
    environment = f"arn:aws:airflow:{region}:{account_id}:environment/{environment_name}"
    return _document(
        {"Sid": "PublishMetrics", "Effect": "Allow", "Action": ["airflow:PublishMetrics"], "Resource": [environment]},
        # The maintenance DAG runs `airflow db clean` through its own environment's CLI endpoint
        # (dags/maintenance_db_clean.py): tasks can't reach MWAA's metadata DB otherwise.
        {"Sid": "OwnCliToken", "Effect": "Allow", "Action": ["airflow:CreateCliToken"], "Resource": [environment]},
        {
            "Sid": "SourceBucket",
            "Effect": "Allow",
            "Action": [
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:GetBucketLocation",
                "s3:GetBucketVersioning",
                "s3:GetBucketPublicAccessBlock",
                "s3:ListBucket",
            ],
            "Resource": [source_bucket_arn, f"{source_bucket_arn}/*"],
        },
        {
            "Sid": "AccountPublicAccessBlock",
            "Effect": "Allow",
            "Action": ["s3:GetAccountPublicAccessBlock"],
            "Resource": ["*"],
        },
        {
            "Sid": "AirflowLogs",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogStream",
                "logs:CreateLogGroup",
                "logs:PutLogEvents",
                "logs:GetLogEvents",
                "logs:GetLogRecord",
                "logs:GetLogGroupFields",
                "logs:GetQueryResults",
            ],
            "Resource": [log_groups],
        },
        {"Sid": "ListLogGroups", "Effect": "Allow", "Action": ["logs:DescribeLogGroups"], "Resource": ["*"]},
        {"Sid": "Metrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": ["*"]},
        {
            "Sid": "CeleryQueues",
            "Effect": "Allow",
            "Action": [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
                "sqs:SendMessage",
            ],
            "Resource": [f"arn:aws:sqs:{region}:*:airflow-celery-*"],
        },
        {
            "Sid": "PlatformKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Encrypt"],
            "Resource": [kms_key_arn],
            "Condition": {"StringLike": {"kms:ViaService": via_services(region, "sqs", "s3", "secretsmanager")}},
        },
        {
            "Sid": "SecretsBackend",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": secret_arn_patterns(secret_prefixes, region=region, account_id=account_id),
        },
    )


def mwaa_web_login_policy(*, region: str, account_id: str, environment_name: str, role: str) -> Policy:
    """Sign in to the MWAA environment's UI as the Airflow `role`, and as nothing else."""
    return _document(
        {
            "Sid": "WebLoginAsRole",
            "Effect": "Allow",
            "Action": ["airflow:CreateWebLoginToken"],
            "Resource": [f"arn:aws:airflow:{region}:{account_id}:role/{environment_name}/{role}"],
        }
    )


AUTOSCALING_SERVICE_ROLE = "AWSServiceRoleForAutoScaling"
"""The service-linked role EC2 Auto Scaling launches instances with; EKS managed node groups use it and take no
other: "the EKS API does not offer a mechanism to supply a custom autoscaling service-linked role"."""
AUTOSCALING_SERVICE = "autoscaling.amazonaws.com"


def autoscaling_service_role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/aws-service-role/{AUTOSCALING_SERVICE}/{AUTOSCALING_SERVICE_ROLE}"


def platform_key_policy(*, account_id: str, region: str, cloudwatch_logs: bool, autoscaling_volumes: bool) -> Policy:
    """The key policy: AWS's default account delegation (key use is then granted by IAM policies only), plus,
    for MWAA, the CloudWatch Logs service encrypting the environment's log groups with this key, and, for EKS,
    the Auto Scaling service-linked role launching node groups whose root volumes the key encrypts.

    https://docs.aws.amazon.com/mwaa/latest/userguide/custom-keys-certs.html
    """
    statements: list[Policy] = [
        {
            "Sid": "DelegateToIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if cloudwatch_logs:
        statements.append(
            {
                "Sid": "CloudWatchLogs",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:*"}
                },
            }
        )
    if autoscaling_volumes:
        statements += autoscaling_volume_statements(autoscaling_service_role_arn(account_id))
    return _document(*statements)


def autoscaling_volume_statements(service_role_arn: str) -> list[Policy]:
    """The two statements AWS requires, unchanged, for EC2 Auto Scaling to launch instances whose EBS volumes a
    customer managed key encrypts (delegation to IAM does not cover the service-linked role). Without them the
    node group ends CREATE_FAILED with Client.InvalidKMSKey.InvalidState.
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html"""
    principal = {"AWS": [service_role_arn]}
    return [
        {
            "Sid": "Allow service-linked role use of the customer managed key",
            "Effect": "Allow",
            "Principal": principal,
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*",
        },
        {
            "Sid": "Allow attachment of persistent resources",
            "Effect": "Allow",
            "Principal": principal,
            "Action": ["kms:CreateGrant"],
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}},
        },
    ]
