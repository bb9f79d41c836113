"""One passing and one failing input per rule: a compliant baseline, and the one change that breaks it."""

from __future__ import annotations

import json
from typing import Any

from tests.policy.policy_args import resource_args, stack_args, stack_resource

PROD = {"tags": {"environment": "prod"}}
KEY = "arn:aws:kms:eu-west-1:111122223333:key/0000"
OIDC = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _resource(resource_type: str, good: dict[str, Any], bad: dict[str, Any]) -> tuple[Any, Any]:
    """(compliant args, args with `bad` laid over the compliant props)."""
    return resource_args(resource_type, {**PROD, **good}), resource_args(resource_type, {**PROD, **good, **bad})


RDS = "aws:rds/instance:Instance"
GOOD_RDS = {
    "engine": "postgres",
    "storageEncrypted": True,
    "kmsKeyId": KEY,
    "publiclyAccessible": False,
    "multiAz": True,
    "backupRetentionPeriod": 14,
    "deletionProtection": True,
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
AWS_EKS = "aws:eks/cluster:Cluster"
GOOD_AWS_EKS = {
    "vpcConfig": {
        "endpointPrivateAccess": True,
        "endpointPublicAccess": True,
        "publicAccessCidrs": ["203.0.113.0/24"],
    },
    "encryptionConfig": {"provider": {"keyArn": KEY}, "resources": ["secrets"]},
    "enabledClusterLogTypes": ["api", "audit", "authenticator"],
    "version": "9.99",
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


def _chart(values: dict[str, Any]) -> Any:
    return resource_args(HELM, {"chart": "airflow", "values": values})


def _stack(*resources: tuple[str, str, dict[str, Any]]) -> Any:
    return stack_args([stack_resource(t, n, {**PROD, **p}) for t, n, p in resources])


def _bucket_stack(**overrides: Any) -> Any:
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
        "policy": ("aws:s3/bucketPolicy:BucketPolicy", {"bucket": bucket, "policy": _doc(TLS_ONLY)}),
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
    return _stack(*resources)


LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GOOD_LAUNCH_TEMPLATE = {
    "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
    "blockDeviceMappings": [
        {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 50, "encrypted": "true", "kmsKeyId": KEY}}
    ],
}


def _routed_subnet(target: str) -> Any:
    """A private subnet whose route table sends 0.0.0.0/0 to `target` (natGatewayId or an IGW's gatewayId)."""
    return _stack(
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


def _fernet_stack(version_ignores: list[str], kubernetes_ignores: list[str]) -> Any:
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


CASES: dict[str, tuple[Any, Any]] = {
    "rds-storage-encrypted": _resource(RDS, GOOD_RDS, {"storageEncrypted": False}),
    "rds-not-public": _resource(RDS, GOOD_RDS, {"publiclyAccessible": True}),
    "rds-multi-az-in-prod": _resource(RDS, GOOD_RDS, {"multiAz": False}),
    "rds-backup-retention": _resource(RDS, GOOD_RDS, {"backupRetentionPeriod": 3}),
    "rds-deletion-protection-in-prod": _resource(RDS, GOOD_RDS, {"deletionProtection": False}),
    "rds-iam-auth-or-managed-secret": _resource(RDS, GOOD_RDS, {"iamDatabaseAuthenticationEnabled": False}),
    "rds-ssl-forced": (
        _stack(
            (RDS, "db", GOOD_RDS),
            (
                "aws:rds/parameterGroup:ParameterGroup",
                "pg",
                {"name": "airflow-pg", "parameters": [{"name": "rds.force_ssl", "value": "1"}]},
            ),
        ),
        _stack(
            (RDS, "db", GOOD_RDS),
            (
                "aws:rds/parameterGroup:ParameterGroup",
                "pg",
                {"name": "airflow-pg", "parameters": [{"name": "rds.force_ssl", "value": "0"}]},
            ),
        ),
    ),
    "elasticache-transit-encryption": _resource(CACHE, GOOD_CACHE, {"transitEncryptionMode": "preferred"}),
    "elasticache-at-rest-encryption": _resource(CACHE, GOOD_CACHE, {"atRestEncryptionEnabled": False}),
    "elasticache-auth": _resource(CACHE, GOOD_CACHE, {"authToken": None}),
    "elasticache-multi-az-in-prod": _resource(CACHE, GOOD_CACHE, {"multiAzEnabled": False}),
    "s3-versioning": (
        _bucket_stack(),
        _bucket_stack(versioning={"versioningConfiguration": {"status": "Suspended"}}),
    ),
    "s3-public-access-block": (_bucket_stack(), _bucket_stack(block={"restrictPublicBuckets": False})),
    "s3-sse-kms": (
        _bucket_stack(),
        _bucket_stack(encryption={"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}),
    ),
    "s3-tls-only": (_bucket_stack(), _bucket_stack(policy=None)),
    "s3-log-lifecycle": (
        _bucket_stack(),
        _bucket_stack(
            lifecycle={
                "rules": [{"id": "old", "status": "Enabled", "noncurrentVersionExpiration": {"noncurrentDays": 7}}]
            }
        ),
    ),
    "s3-noncurrent-versions-expire": (
        _bucket_stack(),
        _bucket_stack(lifecycle={"rules": [{"id": "expire", "status": "Enabled", "expiration": {"days": 30}}]}),
    ),
    "s3-policy-not-public": _resource(
        "aws:s3/bucketPolicy:BucketPolicy",
        {"policy": _doc(TLS_ONLY)},
        {
            "policy": _doc(
                TLS_ONLY,
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*"},
            )
        },
    ),
    "secretsmanager-cmk": _resource("aws:secretsmanager/secret:Secret", {"kmsKeyId": KEY}, {"kmsKeyId": None}),
    "secretsmanager-recovery-window": _resource(
        "aws:secretsmanager/secret:Secret", {"kmsKeyId": KEY}, {"recoveryWindowInDays": 0}
    ),
    "kms-key-rotation": _resource("aws:kms/key:Key", {"enableKeyRotation": True}, {"enableKeyRotation": False}),
    "kms-deletion-window-in-prod": _resource(
        "aws:kms/key:Key", {"enableKeyRotation": True}, {"deletionWindowInDays": 7}
    ),
    "eks-private-endpoint": _resource(
        EKS, GOOD_EKS, {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}
    ),
    "eks-secrets-encryption": _resource(EKS, GOOD_EKS, {"encryptionConfigKeyArn": None}),
    "eks-control-plane-logs": _resource(EKS, GOOD_EKS, {"enabledClusterLogTypes": ["api"]}),
    "eks-supported-version": _resource(EKS, GOOD_EKS, {"version": "1.29"}),
    "eks-standard-support": _resource(EKS, GOOD_EKS, {"version": "1.30"}),
    "eks-nodes-not-reachable": _resource(EKS, GOOD_EKS, {"skipDefaultNodeGroup": False}),
    "mwaa-private-webserver": _resource(MWAA, GOOD_MWAA, {"webserverAccessMode": "PUBLIC_ONLY"}),
    "mwaa-logging": _resource(MWAA, GOOD_MWAA, {"loggingConfiguration": {**LOGS, "taskLogs": {"enabled": False}}}),
    "mwaa-two-azs": (
        _stack(
            (MWAA, "env", GOOD_MWAA),
            ("aws:ec2/subnet:Subnet", "a", {"id": "subnet-a", "availabilityZone": "1a"}),
            ("aws:ec2/subnet:Subnet", "b", {"id": "subnet-b", "availabilityZone": "1b"}),
        ),
        _stack(
            (MWAA, "env", GOOD_MWAA),
            ("aws:ec2/subnet:Subnet", "a", {"id": "subnet-a", "availabilityZone": "1a"}),
            ("aws:ec2/subnet:Subnet", "b", {"id": "subnet-b", "availabilityZone": "1a"}),
        ),
    ),
    "mwaa-cmk": _resource(MWAA, GOOD_MWAA, {"kmsKey": None}),
    "iam-no-wildcard-actions": _resource(
        "aws:iam/policy:Policy",
        {"policy": _doc(READ_LOGS)},
        {"policy": _doc({**READ_LOGS, "Action": "s3:*"})},
    ),
    "iam-no-admin": _resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"},
        {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    "iam-irsa-trust-scoped": _resource(
        ROLE,
        {"assumeRolePolicy": _doc(IRSA_TRUST)},
        {
            "assumeRolePolicy": _doc(
                {
                    **IRSA_TRUST,
                    "Condition": {"StringLike": {f"{OIDC}:sub": "system:serviceaccount:airflow:*"}},
                }
            )
        },
    ),
    "iam-irsa-audience": _resource(
        ROLE,
        {"assumeRolePolicy": _doc(IRSA_TRUST)},
        {
            "assumeRolePolicy": _doc(
                {
                    **IRSA_TRUST,
                    "Condition": {"StringEquals": {f"{OIDC}:sub": "system:serviceaccount:airflow:airflow-worker"}},
                }
            )
        },
    ),
    "iam-trust-not-public": _resource(
        ROLE,
        {"assumeRolePolicy": _doc(IRSA_TRUST)},
        {"assumeRolePolicy": _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}})},
    ),
    "iam-oidc-provider-audience": _resource(
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        {"clientIdLists": ["sts.amazonaws.com"]},
        {"clientIdLists": ["sts.amazonaws.com", "kubernetes"]},
    ),
    "ec2-no-internet-ingress": _resource(
        "aws:ec2/securityGroup:SecurityGroup",
        {"ingress": [SG_INGRESS]},
        {"ingress": [{**SG_INGRESS, "cidrBlocks": ["0.0.0.0/0"]}]},
    ),
    "subnet-groups-two-azs": _resource(
        "aws:rds/subnetGroup:SubnetGroup",
        {"subnetIds": ["subnet-a", "subnet-b"]},
        {"subnetIds": ["subnet-a"]},
    ),
    "ec2-subnet-no-auto-public-ip": _resource(
        "aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": False}, {"mapPublicIpOnLaunch": True}
    ),
    "vpc-flow-logs": (
        _stack(("aws:ec2/vpc:Vpc", "vpc", {"id": "vpc-1"}), ("aws:ec2/flowLog:FlowLog", "fl", {"vpcId": "vpc-1"})),
        _stack(("aws:ec2/vpc:Vpc", "vpc", {"id": "vpc-1"}), ("aws:ec2/flowLog:FlowLog", "fl", {"vpcId": "vpc-2"})),
    ),
    "ecr-immutable-tags": _resource(ECR, GOOD_ECR, {"imageTagMutability": "MUTABLE"}),
    "ecr-scan-on-push": _resource(ECR, GOOD_ECR, {"imageScanningConfiguration": {"scanOnPush": False}}),
    "ecr-cmk": _resource(ECR, GOOD_ECR, {"encryptionConfigurations": [{"encryptionType": "AES256"}]}),
    "ecr-lifecycle": (
        _stack(
            (ECR, "repo", {"name": "airflow"}),
            ("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lp", {"repository": "airflow"}),
        ),
        _stack((ECR, "repo", {"name": "airflow"})),
    ),
    "cloudwatch-log-retention": _resource(
        "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 90, "kmsKeyId": KEY}, {"retentionInDays": 0}
    ),
    "cloudwatch-log-cmk": _resource(
        "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 90, "kmsKeyId": KEY}, {"kmsKeyId": None}
    ),
    "airflow-helm-restricted-pods": (_chart(GOOD_CHART_VALUES), _chart({**GOOD_CHART_VALUES, "statsd": {}})),
    "airflow-helm-network-policies": (
        _chart(GOOD_CHART_VALUES),
        _chart({**GOOD_CHART_VALUES, "networkPolicies": {"enabled": False}}),
    ),
    "airflow-helm-secrets-by-reference": (
        _chart(GOOD_CHART_VALUES),
        _chart({**GOOD_CHART_VALUES, "fernetKey": "literal-key"}),
    ),
    "k8s-namespace-pod-security": (
        resource_args(
            "kubernetes:core/v1:Namespace",
            {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}},
        ),
        resource_args("kubernetes:core/v1:Namespace", {"metadata": {"labels": {}}}),
    ),
    "vpc-private-subnets-via-nat": (_routed_subnet("natGatewayId"), _routed_subnet("gatewayId")),
    "vpc-endpoint-private-dns": _resource(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        {"vpcEndpointType": "Interface", "privateDnsEnabled": True},
        {"privateDnsEnabled": False},
    ),
    "ec2-imdsv2-hop-limit-1": _resource(
        LAUNCH_TEMPLATE,
        GOOD_LAUNCH_TEMPLATE,
        {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2}},
    ),
    "ec2-encrypted-volumes": _resource(
        LAUNCH_TEMPLATE,
        GOOD_LAUNCH_TEMPLATE,
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 50, "encrypted": "false"}}]},
    ),
    "s3-acls-disabled": _resource(
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        {"rule": {"objectOwnership": "BucketOwnerEnforced"}},
        {"rule": {"objectOwnership": "ObjectWriter"}},
    ),
    "s3-object-not-public": _resource(
        "aws:s3/bucketObjectv2:BucketObjectv2", {"key": "requirements.txt"}, {"acl": "public-read"}
    ),
    "fernet-key-rotatable": (_fernet_stack(["secretString"], ["stringData"]), _fernet_stack(["secretString"], [])),
    "environment-tag": (
        resource_args(RDS, {"tags": {"environment": "dev"}}),
        resource_args(RDS, {"tags": {}}),
    ),
}
