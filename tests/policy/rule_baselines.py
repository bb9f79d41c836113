"""Compliant baselines for the rule cases (rule_cases.py): inputs every rule of the pack accepts, and builders of
small stacks (a bucket with its companions, a routed subnet, the Fernet key's two copies)."""

from __future__ import annotations

import json
from typing import Any

from tests.policy.policy_args import resource_args, stack_args, stack_resource

PROD = {"tags": {"environment": "prod"}}
KEY = "arn:aws:kms:eu-west-1:111122223333:key/0000"
OIDC = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"


def policy_doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def resource_case(resource_type: str, good: dict[str, Any], bad: dict[str, Any]) -> tuple[Any, Any]:
    """(compliant args, args with `bad` laid over the compliant props)."""
    return resource_args(resource_type, {**PROD, **good}), resource_args(resource_type, {**PROD, **good, **bad})


TOPIC_ARN = "arn:aws:sns:eu-west-1:111122223333:airflow-alerts"
RDS = "aws:rds/instance:Instance"
GOOD_RDS = {
    "engine": "postgres",
    "storageEncrypted": True,
    "kmsKeyId": KEY,
    "publiclyAccessible": False,
    "multiAz": True,
    "backupRetentionPeriod": 14,
    "deletionProtection": True,
    "deleteAutomatedBackups": False,
    "iamDatabaseAuthenticationEnabled": True,
    "parameterGroupName": "airflow-pg",
}
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
GOOD_CACHE = {
    "transitEncryptionEnabled": True,
    "transitEncryptionMode": "required",
    "atRestEncryptionEnabled": True,
    "authToken": "generated",
    "multiAzEnabled": True,
    "automaticFailoverEnabled": True,
    "numCacheClusters": 2,
}
EKS = "eks:index:Cluster"
GOOD_EKS = {
    "endpointPrivateAccess": True,
    "endpointPublicAccess": False,
    "encryptionConfigKeyArn": KEY,
    "enabledClusterLogTypes": ["api", "audit", "authenticator"],
    "version": "9.99",
    "skipDefaultNodeGroup": True,
}
MWAA = "aws:mwaa/environment:Environment"
LOGS = {
    t: {"enabled": True, "logLevel": "INFO"}
    for t in ("dagProcessingLogs", "schedulerLogs", "taskLogs", "webserverLogs", "workerLogs")
}
GOOD_MWAA = {
    "webserverAccessMode": "PRIVATE_ONLY",
    "loggingConfiguration": LOGS,
    "kmsKey": KEY,
    "networkConfiguration": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]},
}
ROLE = "aws:iam/role:Role"
IRSA_TRUST = {
    "Effect": "Allow",
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{OIDC}"},
    "Condition": {
        "StringEquals": {
            f"{OIDC}:sub": "system:serviceaccount:airflow:airflow-worker",
            f"{OIDC}:aud": "sts.amazonaws.com",
        }
    },
}
READ_LOGS = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::logs/*"}
TLS_ONLY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "arn:aws:s3:::b/*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
SG_INGRESS = {"fromPort": 5432, "toPort": 5432, "protocol": "tcp", "cidrBlocks": ["10.40.0.0/16"]}
ECR = "aws:ecr/repository:Repository"
GOOD_ECR = {
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY}],
}
RESTRICTED_POD = {
    "runAsUser": 50000,
    "runAsNonRoot": True,
    "fsGroup": 0,
    "seccompProfile": {"type": "RuntimeDefault"},
}
RESTRICTED_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
GOOD_CHART_VALUES = {
    "securityContexts": {"pod": RESTRICTED_POD, "containers": RESTRICTED_CONTAINER},
    "statsd": {"securityContexts": {"pod": {**RESTRICTED_POD, "runAsUser": 65534}, "container": RESTRICTED_CONTAINER}},
    "pgbouncer": {
        "enabled": True,
        "securityContexts": {
            "pod": {**RESTRICTED_POD, "runAsUser": 65534},
            "container": RESTRICTED_CONTAINER,
        },
    },
    "dags": {
        "gitSync": {
            "enabled": True,
            "securityContexts": {"container": {**RESTRICTED_CONTAINER, "runAsUser": 65533}},
        }
    },
    "redis": {"enabled": False},
    "networkPolicies": {"enabled": True},
    "fernetKeySecretName": "airflow-fernet-key",  # pragma: allowlist secret
    "data": {"metadataSecretName": "airflow-metadata"},  # pragma: allowlist secret
    "createUserJob": {
        "enabled": True,
        "args": ["bash", "-c", 'exec airflow users create --username admin --password "$AIRFLOW_ADMIN_PASSWORD"'],
    },
}
HELM = "kubernetes:helm.sh/v3:Release"


def chart_args(values: dict[str, Any]) -> Any:
    return resource_args(HELM, {"chart": "airflow", "values": values})


def stack_of(*resources: tuple[str, str, dict[str, Any]]) -> Any:
    return stack_args([stack_resource(t, n, {**PROD, **p}) for t, n, p in resources])


def bucket_stack(**overrides: Any) -> Any:
    """A compliant logs bucket with all its companion resources; `name=None` drops one, a dict replaces it."""
    bucket = "airflow-logs"
    companions = {
        "versioning": (
            "aws:s3/bucketVersioning:BucketVersioning",
            {"bucket": bucket, "versioningConfiguration": {"status": "Enabled"}},
        ),
        "encryption": (
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            {
                "bucket": bucket,
                "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}}],
            },
        ),
        "block": (
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            {
                "bucket": bucket,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        ),
        "policy": ("aws:s3/bucketPolicy:BucketPolicy", {"bucket": bucket, "policy": policy_doc(TLS_ONLY)}),
        "lifecycle": (
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            {
                "bucket": bucket,
                "rules": [
                    {
                        "id": "expire",
                        "status": "Enabled",
                        "expiration": {"days": 30},
                        "noncurrentVersionExpiration": {"noncurrentDays": 7},
                    }
                ],
            },
        ),
    }
    resources = [("aws:s3/bucket:Bucket", "logs", {"bucket": bucket})]
    for key, (resource_type, props) in companions.items():
        replacement = overrides.get(key, props)
        if replacement is not None:
            resources.append((resource_type, f"logs-{key}", {**props, **replacement}))
    return stack_of(*resources)


LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GOOD_LAUNCH_TEMPLATE = {
    "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
    "blockDeviceMappings": [
        {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 50, "encrypted": "true", "kmsKeyId": KEY}}
    ],
}


def routed_subnet(target: str) -> Any:
    """A private subnet whose route table sends 0.0.0.0/0 to `target` (natGatewayId or an IGW's gatewayId)."""
    return stack_of(
        ("aws:ec2/subnet:Subnet", "private-a", {"id": "subnet-a", "tags": {"Name": "private-a"}}),
        ("aws:ec2/routeTable:RouteTable", "private-rt", {"id": "rtb-1"}),
        (
            "aws:ec2/routeTableAssociation:RouteTableAssociation",
            "private-a-rta",
            {"subnetId": "subnet-a", "routeTableId": "rtb-1"},
        ),
        (
            "aws:ec2/route:Route",
            "private-default",
            {"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0", target: "gw-1"},
        ),
    )


def fernet_stack(version_ignores: list[str], kubernetes_ignores: list[str]) -> Any:
    """The Fernet key in Secrets Manager and in the chart's Kubernetes Secret, with their ignore_changes."""
    return stack_args(
        [
            stack_resource("aws:secretsmanager/secret:Secret", "fernet", {"name": "airflow/fernet-key", "id": "sm-1"}),
            stack_resource(
                "aws:secretsmanager/secretVersion:SecretVersion",
                "fernet-value",
                {"secretId": "sm-1"},  # pragma: allowlist secret
                ignore_changes=version_ignores,
            ),
            stack_resource(
                "kubernetes:core/v1:Secret",
                "fernet-k8s",
                {"metadata": {"name": "airflow-fernet-key"}},
                ignore_changes=kubernetes_ignores,
            ),
        ]
    )
