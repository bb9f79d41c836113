"""The EKS stacks (Pulumi.dev.yaml, Pulumi.prod.yaml): resource graph, wiring and outputs.

The security rules every stack must pass are the policy pack's (tests/policy/test_example_stacks.py runs it on
these stacks); the values the chart release receives are checked in tests/helm/test_release_values.py.
"""

from __future__ import annotations

import pytest

from infra.cluster import CONTROL_PLANE_LOG_TYPES
from infra.components import SERVICE_ACCOUNTS
from infra.network import INTERFACE_ENDPOINTS
from tests.infra.example_stacks import example_platform
from tests.infra.harness import (
    ACCOUNT_ID,
    CLUSTER_SECURITY_GROUP,
    OIDC_URL,
    Built,
    build_stack,
    descends_from,
    stack_config,
    statements,
)

pytestmark = pytest.mark.infra

# The platform stage: every AWS resource. The workloads stage's graph is in test_workloads_stage.py.
DEV_COUNTS = {
    "airflow-aws:airflow_secrets:AirflowSecrets": 1,
    "airflow-aws:broker:Broker": 1,
    "airflow-aws:cluster:Cluster": 1,
    "airflow-aws:database:MetadataDatabase": 1,
    "airflow-aws:encryption:PlatformKey": 1,
    "airflow-aws:image_mirror:ImageMirror": 1,
    "airflow-aws:network:Network": 1,
    "airflow-aws:registry:ImageRegistry": 1,
    "airflow-aws:service_roles:ServiceRoles": 1,
    "airflow-aws:storage:Storage": 1,
    "aws:ec2/eip:Eip": 1,
    "aws:ec2/internetGateway:InternetGateway": 1,
    "aws:ec2/launchTemplate:LaunchTemplate": 1,
    "aws:ec2/natGateway:NatGateway": 1,
    "aws:ec2/route:Route": 3,
    "aws:ec2/routeTable:RouteTable": 3,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
    "aws:ec2/securityGroup:SecurityGroup": 3,
    "aws:ec2/subnet:Subnet": 4,
    "aws:ec2/vpc:Vpc": 1,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 6,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
    # Docker Hub, quay.io and registry.k8s.io (the chart's images): a cache rule and a creation template each.
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": 3,
    "aws:ecr/repository:Repository": 1,
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": 3,
    "aws:elasticache/replicationGroup:ReplicationGroup": 1,
    "aws:elasticache/subnetGroup:SubnetGroup": 1,
    "aws:iam/role:Role": 6,
    # The five IRSA roles' and the nodes' pull-through cache import.
    "aws:iam/rolePolicy:RolePolicy": 6,
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": 1,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 3,
    "aws:kms/alias:Alias": 1,
    "aws:kms/key:Key": 1,
    "aws:rds/instance:Instance": 1,
    "aws:rds/parameterGroup:ParameterGroup": 1,
    "aws:rds/subnetGroup:SubnetGroup": 1,
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
    "aws:s3/bucketPolicy:BucketPolicy": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:s3/bucketVersioning:BucketVersioning": 1,
    "aws:secretsmanager/secret:Secret": 6,
    "aws:secretsmanager/secretVersion:SecretVersion": 6,
    # Into the database and the broker, from the cluster security group.
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 2,
    "eks:index:Cluster": 1,
    "eks:index:ManagedNodeGroup": 1,
    "random:index/randomBytes:RandomBytes": 1,
    "random:index/randomPassword:RandomPassword": 5,
}
# Three zones with a NAT gateway each: two more subnets per kind, routes, tables and associations.
PROD_COUNTS = {
    **DEV_COUNTS,
    "aws:ec2/eip:Eip": 3,
    "aws:ec2/natGateway:NatGateway": 3,
    "aws:ec2/route:Route": 4,
    "aws:ec2/routeTable:RouteTable": 4,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": 6,
    "aws:ec2/subnet:Subnet": 6,
    # The API endpoint is private: one more rule, for the deployer network.
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 3,
    # The ingress: the AWS Load Balancer Controller's IRSA role with its published policy, and ECR Public cached
    # for its image.
    "airflow-aws:load_balancer_controller:LoadBalancerControllerRole": 1,
    "aws:iam/role:Role": 7,
    "aws:iam/policy:Policy": 1,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 4,
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": 4,
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": 4,
}


def _name_prefix(built: Built) -> str:
    return built.one("eks:index:Cluster").inputs["name"]


class TestResourceGraph:
    """Types and counts of everything the platform stage creates."""

    def test_should_create_the_dev_graph(self):
        assert example_platform("dev").type_counts() == DEV_COUNTS

    def test_should_create_the_prod_graph(self):
        assert example_platform("prod").type_counts() == PROD_COUNTS

    def test_should_build_the_same_graph_through_the_pulumi_entry_point(self):
        built = build_stack("dev", stack_config("dev"), through_entry_point=True)
        assert built.type_counts() == DEV_COUNTS

    def test_should_spread_over_regular_zones_only(self, eks_stack: Built):
        (zones,) = [
            args
            for token, args in zip(eks_stack.invokes, eks_stack.invoke_args, strict=True)
            if token == "aws:index/getAvailabilityZones:getAvailabilityZones"
        ]
        assert zones["state"] == "available"
        assert zones["filters"] == [{"name": "opt-in-status", "values": ["opt-in-not-required"]}]

    def test_should_call_only_zones_identity_the_autoscaling_role_s3_and_docker_hub(self, eks_platform: Built):
        assert sorted(set(eks_platform.invokes)) == [
            "aws:ec2/getManagedPrefixList:getManagedPrefixList",
            "aws:iam/getRoles:getRoles",
            "aws:index/getAvailabilityZones:getAvailabilityZones",
            "aws:index/getCallerIdentity:getCallerIdentity",
            "aws:secretsmanager/getSecrets:getSecrets",
        ]


class TestNetwork:
    """VPC, subnets and endpoints."""

    def test_should_put_private_subnets_in_distinct_zones(self, eks_stack: Built):
        private = [s for s in eks_stack.of_type("aws:ec2/subnet:Subnet") if "-private-" in s.name]
        zones = [s.inputs["availabilityZone"] for s in private]
        assert len(zones) == len(set(zones)) >= 2

    def test_should_reach_aws_apis_through_endpoints(self, eks_stack: Built):
        services = {
            e.inputs["serviceName"].rsplit(".", 1)[-1]
            if e.inputs["vpcEndpointType"] == "Gateway"
            else e.inputs["serviceName"].removeprefix("com.amazonaws.eu-west-1.")
            for e in eks_stack.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        }
        assert services == {"s3", *INTERFACE_ENDPOINTS}

    def test_should_share_one_nat_in_dev_and_one_per_zone_in_prod(self, dev_stack: Built, prod_stack: Built):
        assert len(dev_stack.of_type("aws:ec2/natGateway:NatGateway")) == 1
        assert len(prod_stack.of_type("aws:ec2/natGateway:NatGateway")) == 3

    @pytest.mark.parametrize(("store", "port"), [("metadata", 5432), ("broker", 6379)])
    def test_should_open_the_data_stores_to_the_cluster_security_group_only(self, eks_stack: Built, store, port):
        prefix = _name_prefix(eks_stack)
        group = eks_stack.find_created("aws:ec2/securityGroup:SecurityGroup", f"{prefix}-{store}-sg")
        assert not group.inputs.get("ingress"), f"{group.urn} admits more than the cluster security group"
        rule = eks_stack.find_created(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", f"{prefix}-{store}-from-clients"
        )
        assert rule.inputs["securityGroupId"] == f"{group.name}-id"
        assert rule.inputs["referencedSecurityGroupId"] == CLUSTER_SECURITY_GROUP and "cidrIpv4" not in rule.inputs
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", port, port)


class TestStorage:
    """Only the logs bucket: EKS reads DAGs from git, so it creates no DAGs bucket."""

    def test_should_create_only_the_logs_bucket(self, eks_stack: Built):
        assert [b.name for b in eks_stack.of_type("aws:s3/bucket:Bucket")] == [
            f"{eks_stack.one('airflow-aws:storage:Storage').name}-logs"
        ]

    @pytest.mark.parametrize(("stack", "days"), [("dev_stack", 30), ("prod_stack", 90)])
    def test_should_expire_task_logs_after_the_preset_retention(self, request, stack: str, days: int):
        built: Built = request.getfixturevalue(stack)
        lifecycle = built.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        logs_bucket = next(b for b in built.of_type("aws:s3/bucket:Bucket") if b.name.endswith("-logs"))
        assert lifecycle.inputs["bucket"] == logs_bucket.inputs["bucketPrefix"] + "abc123"
        (rule,) = lifecycle.inputs["rules"]
        assert (rule["status"], rule["expiration"]["days"]) == ("Enabled", days)


class TestMetadataDatabase:
    """RDS PostgreSQL 16."""

    def test_should_run_postgres_16_with_a_secret_password(self, eks_stack: Built):
        db = eks_stack.one("aws:rds/instance:Instance")
        assert (db.inputs["engine"], db.inputs["engineVersion"]) == ("postgres", "16")
        assert db.inputs["kmsKeyId"].endswith(f"key/{eks_stack.one('aws:kms/key:Key').name}")
        assert "password" in db.secret_paths

    def test_should_use_its_own_parameter_group(self, eks_stack: Built):
        group = eks_stack.one("aws:rds/parameterGroup:ParameterGroup")
        assert group.inputs["family"] == "postgres16"
        # The mock auto-names the group after its logical name, as Pulumi would (plus a suffix).
        assert eks_stack.one("aws:rds/instance:Instance").inputs["parameterGroupName"] == group.name

    def test_should_be_multi_az_and_protected_in_prod_only(self, dev_stack: Built, prod_stack: Built):
        dev, prod = (s.one("aws:rds/instance:Instance").inputs for s in (dev_stack, prod_stack))
        assert (dev["multiAz"], dev["deletionProtection"], dev["skipFinalSnapshot"]) == (False, False, True)
        assert (prod["multiAz"], prod["deletionProtection"], prod["skipFinalSnapshot"]) == (True, True, False)
        assert prod["backupRetentionPeriod"] == 14

    def test_should_take_backups_and_maintenance_in_their_windows(self, eks_stack: Built):
        db = eks_stack.one("aws:rds/instance:Instance").inputs
        assert (db["backupWindow"], db["maintenanceWindow"]) == ("02:00-03:00", "sun:04:00-sun:05:00")
        assert db["copyTagsToSnapshot"] is True

    def test_should_keep_point_in_time_restore_after_a_deletion_in_prod_only(self, dev_stack: Built, prod_stack: Built):
        dev, prod = (s.one("aws:rds/instance:Instance").inputs for s in (dev_stack, prod_stack))
        assert (dev["deleteAutomatedBackups"], prod["deleteAutomatedBackups"]) == (True, False)
        assert dev["backupRetentionPeriod"] >= 1, "automated backups (and so PITR) are never off"


class TestBroker:
    """ElastiCache replication group."""

    def test_should_take_a_secret_auth_token_and_the_platform_key(self, eks_stack: Built):
        group = eks_stack.one("aws:elasticache/replicationGroup:ReplicationGroup")
        assert group.inputs["authToken"] and "authToken" in group.secret_paths
        assert group.inputs["kmsKeyId"].endswith(f"key/{eks_stack.one('aws:kms/key:Key').name}")

    def test_should_fail_over_in_prod(self, dev_stack: Built, prod_stack: Built):
        dev = dev_stack.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
        prod = prod_stack.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
        assert (dev["numCacheClusters"], dev["automaticFailoverEnabled"]) == (1, False)
        assert (prod["numCacheClusters"], prod["automaticFailoverEnabled"], prod["multiAzEnabled"]) == (
            2,
            True,
            True,
        )


class TestCluster:
    """pulumi-eks cluster and node groups."""

    def test_should_create_the_oidc_provider_and_send_every_log_type(self, eks_stack: Built):
        cluster = eks_stack.one("eks:index:Cluster").inputs
        assert cluster["createOidcProvider"] is True
        assert cluster["enabledClusterLogTypes"] == CONTROL_PLANE_LOG_TYPES

    def test_should_keep_the_prod_endpoint_private(self, dev_stack: Built, prod_stack: Built):
        assert dev_stack.one("eks:index:Cluster").inputs["publicAccessCidrs"] == ["203.0.113.0/24"]
        assert prod_stack.one("eks:index:Cluster").inputs["endpointPublicAccess"] is False

    def test_should_size_node_groups_from_the_preset(self, prod_stack: Built):
        group = prod_stack.one("eks:index:ManagedNodeGroup").inputs
        assert group["scalingConfig"] == {"minSize": 3, "maxSize": 9, "desiredSize": 3}
        assert group["instanceTypes"] == ["m6i.xlarge"]

    def test_should_leave_instance_roles_out_with_api_authentication(self, eks_stack: Built):
        # pulumi-eks: "The 'instanceRoles' property does not support non-empty values when 'authenticationMode'
        # is set to 'API'"; EKS gives managed node groups their access entries itself.
        cluster = eks_stack.one("eks:index:Cluster").inputs
        assert cluster["authenticationMode"] == "API"
        assert "instanceRoles" not in cluster

    def test_should_enforce_network_policies(self, eks_stack: Built):
        # The chart's NetworkPolicies do nothing unless the VPC CNI runs its network policy agent.
        assert eks_stack.one("eks:index:Cluster").inputs["vpcCniOptions"]["enableNetworkPolicy"] is True

    def test_should_name_the_cluster_after_the_stack(self, dev_stack: Built, prod_stack: Built):
        assert (_name_prefix(dev_stack), _name_prefix(prod_stack)) == ("airflow-dev", "airflow-prod")

    def test_should_share_the_eks_security_group_between_control_plane_and_nodes(self, eks_stack: Built):
        assert eks_stack.one("eks:index:Cluster").inputs["skipDefaultSecurityGroups"] is True


class TestServiceRoles:
    """IRSA roles per Airflow component."""

    def test_should_trust_exactly_one_service_account_each(self, eks_stack: Built):
        for account in SERVICE_ACCOUNTS.values():
            role = eks_stack.find_created(
                "aws:iam/role:Role",
                f"{eks_stack.one('airflow-aws:service_roles:ServiceRoles').name}-{account}",
            )
            (trust,) = statements(role, "assumeRolePolicy")
            issuer = OIDC_URL.removeprefix("https://")
            assert trust["Action"] == ["sts:AssumeRoleWithWebIdentity"]
            assert trust["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer}"}
            assert trust["Condition"] == {
                "StringEquals": {
                    f"{issuer}:sub": f"system:serviceaccount:airflow:{account}",
                    f"{issuer}:aud": "sts.amazonaws.com",
                }
            }, f"{role.urn} trusts more than {account}"

    def test_should_let_the_worker_write_the_logs_bucket_and_nothing_else(self, eks_stack: Built):
        roles = eks_stack.one("airflow-aws:service_roles:ServiceRoles").name
        policy = eks_stack.find_created("aws:iam/rolePolicy:RolePolicy", f"{roles}-airflow-worker-policy")
        logs_bucket = next(b for b in eks_stack.of_type("aws:s3/bucket:Bucket") if "-logs" in b.name)
        logs_arn = f"arn:aws:s3:::{logs_bucket.inputs['bucketPrefix']}abc123"
        writes = [s for s in statements(policy) if any(a in ("s3:PutObject", "s3:DeleteObject") for a in s["Action"])]
        assert writes and all(s["Resource"] == [f"{logs_arn}/*"] for s in writes)
        s3_resources = {r for s in statements(policy) if s["Action"][0].startswith("s3:") for r in s["Resource"]}
        assert s3_resources == {logs_arn, f"{logs_arn}/*"}

    def test_should_not_let_the_scheduler_touch_logs(self, eks_stack: Built):
        roles = eks_stack.one("airflow-aws:service_roles:ServiceRoles").name
        policy = eks_stack.find_created("aws:iam/rolePolicy:RolePolicy", f"{roles}-airflow-scheduler-policy")
        assert not [a for s in statements(policy) for a in s["Action"] if a.startswith("s3:")]

    @pytest.mark.parametrize("account", SERVICE_ACCOUNTS.values())
    def test_should_let_every_component_read_the_secrets_backend(self, eks_stack: Built, account: str):
        # Airflow 3 tasks get connections through the API server, so its role needs this as much as workers'.
        roles = eks_stack.one("airflow-aws:service_roles:ServiceRoles").name
        policy = eks_stack.find_created("aws:iam/rolePolicy:RolePolicy", f"{roles}-{account}-policy")
        assert "secretsmanager:GetSecretValue" in {a for s in statements(policy) for a in s["Action"]}

    def test_should_read_only_the_stacks_own_backend_prefixes(self, eks_stack: Built):
        # Per stack: dev's roles cannot read prod's connections in the same account.
        prefix = _name_prefix(eks_stack)
        for policy in eks_stack.of_type("aws:iam/rolePolicy:RolePolicy"):
            for statement in statements(policy):
                if statement["Action"][0].startswith("secretsmanager:"):
                    assert statement["Resource"] == [
                        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:{prefix}/connections/*",
                        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:{prefix}/variables/*",
                    ]

    def test_should_decrypt_only_through_secrets_manager_and_s3(self, eks_stack: Built):
        roles = eks_stack.one("airflow-aws:service_roles:ServiceRoles")
        policies = [
            p for p in eks_stack.of_type("aws:iam/rolePolicy:RolePolicy") if descends_from(eks_stack, p, roles.urn)
        ]
        assert len(policies) == len(SERVICE_ACCOUNTS)
        for policy in policies:
            (key,) = [s for s in statements(policy) if s["Sid"] == "PlatformKey"]
            assert key["Condition"] == {
                "StringEquals": {
                    "kms:ViaService": ["secretsmanager.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"]
                }
            }, f"{policy.urn} lets a stolen token decrypt with the platform key directly"


class TestOutputs:
    """Stack outputs."""

    def test_should_export_urls_buckets_registry_and_secret_arns(self, eks_platform: Built):
        outputs = eks_platform.outputs
        assert set(outputs) == {
            "apiUrl",
            "kubeconfig",
            "clusterName",
            "region",
            "imageUri",
            "workloads",
            "logsBucket",
            "ecrRepositoryUrl",
            "secretArns",
            "connectionsPrefix",
            "variablesPrefix",
            "kmsKeyArn",
        }
        assert set(outputs["secretArns"]) == {
            "metadata-db",
            "broker",
            "fernet-key",
            "jwt-secret",
            "api-secret-key",
            "admin-password",
        }
        assert outputs["ecrRepositoryUrl"].endswith("/airflow")
        prefix = _name_prefix(eks_platform)
        assert (outputs["connectionsPrefix"], outputs["variablesPrefix"]) == (
            f"{prefix}/connections",
            f"{prefix}/variables",
        )

    def test_should_mark_the_kubeconfig_and_only_it_secret(self, eks_platform: Built):
        assert eks_platform.secret_outputs == {"kubeconfig"}

    def test_should_say_how_to_reach_the_ui(self, dev_stack: Built, prod_stack: Built):
        assert "port-forward svc/airflow-api-server 8080:8080" in dev_stack.outputs["apiUrl"]
        assert prod_stack.outputs["apiUrl"] == "https://airflow.example.com"


class TestRecreatable:
    """dev can be destroyed and created again at once under the same names; prod keeps its protections."""

    @pytest.mark.parametrize(("stack", "days"), [("dev_stack", 0), ("prod_stack", 30)])
    def test_should_drop_the_recovery_window_in_dev_only(self, request, stack: str, days: int):
        built: Built = request.getfixturevalue(stack)
        secrets = built.of_type("aws:secretsmanager/secret:Secret")
        assert len(secrets) == 6
        assert {s.name: s.inputs["recoveryWindowInDays"] for s in secrets} == {s.name: days for s in secrets}

    @pytest.mark.parametrize(("stack", "force"), [("dev_stack", True), ("prod_stack", False)])
    def test_should_delete_the_repository_with_its_images_in_dev_only(self, request, stack: str, force: bool):
        built: Built = request.getfixturevalue(stack)
        assert built.one("aws:ecr/repository:Repository").inputs["forceDelete"] is force
