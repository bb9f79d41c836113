"""One passing and one failing input per rule: a compliant baseline (rule_baselines.py), and the one change
that breaks it."""

from __future__ import annotations

from typing import Any

from tests.policy.policy_args import resource_args
from tests.policy.rule_baselines import (
    CACHE,
    ECR,
    EKS,
    GOOD_CACHE,
    GOOD_CHART_VALUES,
    GOOD_ECR,
    GOOD_EKS,
    GOOD_LAUNCH_TEMPLATE,
    GOOD_MWAA,
    GOOD_RDS,
    IRSA_TRUST,
    KEY,
    LAUNCH_TEMPLATE,
    LOGS,
    MWAA,
    OIDC,
    RDS,
    READ_LOGS,
    ROLE,
    SG_INGRESS,
    TLS_ONLY,
    TOPIC_ARN,
    bucket_stack,
    chart_args,
    fernet_stack,
    policy_doc,
    resource_case,
    routed_subnet,
    stack_of,
)

CASES: dict[str, tuple[Any, Any]] = {
    "rds-storage-encrypted": resource_case(RDS, GOOD_RDS, {"storageEncrypted": False}),
    "rds-not-public": resource_case(RDS, GOOD_RDS, {"publiclyAccessible": True}),
    "rds-multi-az-in-prod": resource_case(RDS, GOOD_RDS, {"multiAz": False}),
    "rds-backup-retention": resource_case(RDS, GOOD_RDS, {"backupRetentionPeriod": 3}),
    "rds-deletion-protection-in-prod": resource_case(RDS, GOOD_RDS, {"deletionProtection": False}),
    "rds-keep-automated-backups-in-prod": resource_case(RDS, GOOD_RDS, {"deleteAutomatedBackups": True}),
    "rds-iam-auth-or-managed-secret": resource_case(RDS, GOOD_RDS, {"iamDatabaseAuthenticationEnabled": False}),
    "rds-ssl-forced": (
        stack_of(
            (RDS, "db", GOOD_RDS),
            (
                "aws:rds/parameterGroup:ParameterGroup",
                "pg",
                {"name": "airflow-pg", "parameters": [{"name": "rds.force_ssl", "value": "1"}]},
            ),
        ),
        stack_of(
            (RDS, "db", GOOD_RDS),
            (
                "aws:rds/parameterGroup:ParameterGroup",
                "pg",
                {"name": "airflow-pg", "parameters": [{"name": "rds.force_ssl", "value": "0"}]},
            ),
        ),
    ),
    "elasticache-transit-encryption": resource_case(CACHE, GOOD_CACHE, {"transitEncryptionMode": "preferred"}),
    "elasticache-at-rest-encryption": resource_case(CACHE, GOOD_CACHE, {"atRestEncryptionEnabled": False}),
    "elasticache-auth": resource_case(CACHE, GOOD_CACHE, {"authToken": None}),
    "elasticache-multi-az-in-prod": resource_case(CACHE, GOOD_CACHE, {"multiAzEnabled": False}),
    "s3-versioning": (
        bucket_stack(),
        bucket_stack(versioning={"versioningConfiguration": {"status": "Suspended"}}),
    ),
    "s3-public-access-block": (bucket_stack(), bucket_stack(block={"restrictPublicBuckets": False})),
    "s3-sse-kms": (
        bucket_stack(),
        bucket_stack(encryption={"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}),
    ),
    "s3-tls-only": (bucket_stack(), bucket_stack(policy=None)),
    "s3-log-lifecycle": (
        bucket_stack(),
        bucket_stack(
            lifecycle={
                "rules": [{"id": "old", "status": "Enabled", "noncurrentVersionExpiration": {"noncurrentDays": 7}}]
            }
        ),
    ),
    "s3-noncurrent-versions-expire": (
        bucket_stack(),
        bucket_stack(lifecycle={"rules": [{"id": "expire", "status": "Enabled", "expiration": {"days": 30}}]}),
    ),
    "s3-policy-not-public": resource_case(
        "aws:s3/bucketPolicy:BucketPolicy",
        {"policy": policy_doc(TLS_ONLY)},
        {
            "policy": policy_doc(
                TLS_ONLY,
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*"},
            )
        },
    ),
    "secretsmanager-cmk": resource_case("aws:secretsmanager/secret:Secret", {"kmsKeyId": KEY}, {"kmsKeyId": None}),
    "secretsmanager-recovery-window": resource_case(
        "aws:secretsmanager/secret:Secret", {"kmsKeyId": KEY}, {"recoveryWindowInDays": 0}
    ),
    "sns-topic-cmk": resource_case("aws:sns/topic:Topic", {"kmsMasterKeyId": KEY}, {"kmsMasterKeyId": "alias/aws/sns"}),
    "cloudwatch-alarm-notifies": resource_case(
        "aws:cloudwatch/metricAlarm:MetricAlarm", {"alarmActions": [TOPIC_ARN]}, {"alarmActions": []}
    ),
    "sns-subscription-tls": resource_case(
        "aws:sns/topicSubscription:TopicSubscription",
        {"protocol": "https", "endpoint": "https://events.pagerduty.com/integration/x/enqueue"},
        {"protocol": "http", "endpoint": "http://alerts.example.com/hook"},
    ),
    "kms-key-rotation": resource_case("aws:kms/key:Key", {"enableKeyRotation": True}, {"enableKeyRotation": False}),
    "kms-deletion-window-in-prod": resource_case(
        "aws:kms/key:Key", {"enableKeyRotation": True}, {"deletionWindowInDays": 7}
    ),
    "eks-private-endpoint": resource_case(
        EKS, GOOD_EKS, {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}
    ),
    "eks-secrets-encryption": resource_case(EKS, GOOD_EKS, {"encryptionConfigKeyArn": None}),
    "eks-control-plane-logs": resource_case(EKS, GOOD_EKS, {"enabledClusterLogTypes": ["api"]}),
    "eks-supported-version": resource_case(EKS, GOOD_EKS, {"version": "1.29"}),
    "eks-standard-support": resource_case(EKS, GOOD_EKS, {"version": "1.30"}),
    "eks-nodes-not-reachable": resource_case(EKS, GOOD_EKS, {"skipDefaultNodeGroup": False}),
    "mwaa-private-webserver": resource_case(MWAA, GOOD_MWAA, {"webserverAccessMode": "PUBLIC_ONLY"}),
    "mwaa-logging": resource_case(MWAA, GOOD_MWAA, {"loggingConfiguration": {**LOGS, "taskLogs": {"enabled": False}}}),
    "mwaa-two-azs": (
        stack_of(
            (MWAA, "env", GOOD_MWAA),
            ("aws:ec2/subnet:Subnet", "a", {"id": "subnet-a", "availabilityZone": "1a"}),
            ("aws:ec2/subnet:Subnet", "b", {"id": "subnet-b", "availabilityZone": "1b"}),
        ),
        stack_of(
            (MWAA, "env", GOOD_MWAA),
            ("aws:ec2/subnet:Subnet", "a", {"id": "subnet-a", "availabilityZone": "1a"}),
            ("aws:ec2/subnet:Subnet", "b", {"id": "subnet-b", "availabilityZone": "1a"}),
        ),
    ),
    "mwaa-cmk": resource_case(MWAA, GOOD_MWAA, {"kmsKey": None}),
    "iam-no-wildcard-actions": resource_case(
        "aws:iam/policy:Policy",
        {"policy": policy_doc(READ_LOGS)},
        {"policy": policy_doc({**READ_LOGS, "Action": "s3:*"})},
    ),
    "iam-no-admin": resource_case(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"},
        {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    "iam-irsa-trust-scoped": resource_case(
        ROLE,
        {"assumeRolePolicy": policy_doc(IRSA_TRUST)},
        {
            "assumeRolePolicy": policy_doc(
                {
                    **IRSA_TRUST,
                    "Condition": {"StringLike": {f"{OIDC}:sub": "system:serviceaccount:airflow:*"}},
                }
            )
        },
    ),
    "iam-irsa-audience": resource_case(
        ROLE,
        {"assumeRolePolicy": policy_doc(IRSA_TRUST)},
        {
            "assumeRolePolicy": policy_doc(
                {
                    **IRSA_TRUST,
                    "Condition": {"StringEquals": {f"{OIDC}:sub": "system:serviceaccount:airflow:airflow-worker"}},
                }
            )
        },
    ),
    "iam-trust-not-public": resource_case(
        ROLE,
        {"assumeRolePolicy": policy_doc(IRSA_TRUST)},
        {"assumeRolePolicy": policy_doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}})},
    ),
    "iam-oidc-provider-audience": resource_case(
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        {"clientIdLists": ["sts.amazonaws.com"]},
        {"clientIdLists": ["sts.amazonaws.com", "kubernetes"]},
    ),
    "ec2-no-internet-ingress": resource_case(
        "aws:ec2/securityGroup:SecurityGroup",
        {"ingress": [SG_INGRESS]},
        {"ingress": [{**SG_INGRESS, "cidrBlocks": ["0.0.0.0/0"]}]},
    ),
    "subnet-groups-two-azs": resource_case(
        "aws:rds/subnetGroup:SubnetGroup",
        {"subnetIds": ["subnet-a", "subnet-b"]},
        {"subnetIds": ["subnet-a"]},
    ),
    "ec2-subnet-no-auto-public-ip": resource_case(
        "aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": False}, {"mapPublicIpOnLaunch": True}
    ),
    "vpc-flow-logs": (
        stack_of(("aws:ec2/vpc:Vpc", "vpc", {"id": "vpc-1"}), ("aws:ec2/flowLog:FlowLog", "fl", {"vpcId": "vpc-1"})),
        stack_of(("aws:ec2/vpc:Vpc", "vpc", {"id": "vpc-1"}), ("aws:ec2/flowLog:FlowLog", "fl", {"vpcId": "vpc-2"})),
    ),
    "ecr-immutable-tags": resource_case(ECR, GOOD_ECR, {"imageTagMutability": "MUTABLE"}),
    "ecr-scan-on-push": resource_case(ECR, GOOD_ECR, {"imageScanningConfiguration": {"scanOnPush": False}}),
    "ecr-cmk": resource_case(ECR, GOOD_ECR, {"encryptionConfigurations": [{"encryptionType": "AES256"}]}),
    "ecr-lifecycle": (
        stack_of(
            (ECR, "repo", {"name": "airflow"}),
            ("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lp", {"repository": "airflow"}),
        ),
        stack_of((ECR, "repo", {"name": "airflow"})),
    ),
    "cloudwatch-log-retention": resource_case(
        "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 90, "kmsKeyId": KEY}, {"retentionInDays": 0}
    ),
    "cloudwatch-log-cmk": resource_case(
        "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 90, "kmsKeyId": KEY}, {"kmsKeyId": None}
    ),
    "airflow-helm-restricted-pods": (chart_args(GOOD_CHART_VALUES), chart_args({**GOOD_CHART_VALUES, "statsd": {}})),
    "airflow-helm-network-policies": (
        chart_args(GOOD_CHART_VALUES),
        chart_args({**GOOD_CHART_VALUES, "networkPolicies": {"enabled": False}}),
    ),
    "airflow-helm-secrets-by-reference": (
        chart_args(GOOD_CHART_VALUES),
        chart_args({**GOOD_CHART_VALUES, "fernetKey": "literal-key"}),
    ),
    "k8s-namespace-pod-security": (
        resource_args(
            "kubernetes:core/v1:Namespace",
            {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}},
        ),
        resource_args("kubernetes:core/v1:Namespace", {"metadata": {"labels": {}}}),
    ),
    "vpc-private-subnets-via-nat": (routed_subnet("natGatewayId"), routed_subnet("gatewayId")),
    "vpc-endpoint-private-dns": resource_case(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        {"vpcEndpointType": "Interface", "privateDnsEnabled": True},
        {"privateDnsEnabled": False},
    ),
    "ec2-imdsv2-hop-limit-1": resource_case(
        LAUNCH_TEMPLATE,
        GOOD_LAUNCH_TEMPLATE,
        {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2}},
    ),
    "ec2-encrypted-volumes": resource_case(
        LAUNCH_TEMPLATE,
        GOOD_LAUNCH_TEMPLATE,
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 50, "encrypted": "false"}}]},
    ),
    "s3-no-force-destroy-in-prod": resource_case(
        "aws:s3/bucket:Bucket", {"bucketPrefix": "airflow-logs-", "forceDestroy": False}, {"forceDestroy": True}
    ),
    "s3-acls-disabled": resource_case(
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        {"rule": {"objectOwnership": "BucketOwnerEnforced"}},
        {"rule": {"objectOwnership": "ObjectWriter"}},
    ),
    "s3-object-not-public": resource_case(
        "aws:s3/bucketObjectv2:BucketObjectv2", {"key": "requirements.txt"}, {"acl": "public-read"}
    ),
    "fernet-key-rotatable": (fernet_stack(["secretString"], ["stringData"]), fernet_stack(["secretString"], [])),
    "environment-tag": (
        resource_args(RDS, {"tags": {"environment": "dev"}}),
        resource_args(RDS, {"tags": {}}),
    ),
}
