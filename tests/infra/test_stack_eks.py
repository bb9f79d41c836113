"""The EKS stacks (Pulumi.dev.yaml, Pulumi.prod.yaml): resource graph, properties, wiring and outputs."""

from __future__ import annotations

import json

import pytest
from chart_utils import schema_errors
from harness import ACCOUNT_ID, OIDC_URL, Built, build_stack, stack_config, statements

from infra.cluster import CONTROL_PLANE_LOG_TYPES
from infra.helm_values import SECRET_NAMES, SERVICE_ACCOUNTS, ChartInputs, DagSource, chart_values
from infra.network import INTERFACE_ENDPOINTS

pytestmark = pytest.mark.infra

DEV_COUNTS = {
    "airflow-aws:airflow_chart:AirflowChart": 1,
    "airflow-aws:airflow_secrets:AirflowSecrets": 1,
    "airflow-aws:broker:Broker": 1,
    "airflow-aws:cluster:Cluster": 1,
    "airflow-aws:database:MetadataDatabase": 1,
    "airflow-aws:encryption:PlatformKey": 1,
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
    "aws:ecr/repository:Repository": 1,
    "aws:elasticache/replicationGroup:ReplicationGroup": 1,
    "aws:elasticache/subnetGroup:SubnetGroup": 1,
    "aws:iam/role:Role": 6,
    "aws:iam/rolePolicy:RolePolicy": 5,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 3,
    "aws:kms/alias:Alias": 1,
    "aws:kms/key:Key": 1,
    "aws:rds/instance:Instance": 1,
    "aws:rds/parameterGroup:ParameterGroup": 1,
    "aws:rds/subnetGroup:SubnetGroup": 1,
    "aws:s3/bucket:Bucket": 2,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 2,
    "aws:s3/bucketPolicy:BucketPolicy": 2,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 2,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 2,
    "aws:s3/bucketVersioning:BucketVersioning": 2,
    "aws:secretsmanager/secret:Secret": 6,
    "aws:secretsmanager/secretVersion:SecretVersion": 6,
    "eks:index:Cluster": 1,
    "eks:index:ManagedNodeGroup": 1,
    "kubernetes:core/v1:Namespace": 1,
    "kubernetes:core/v1:Secret": 9,
    "kubernetes:helm.sh/v3:Release": 2,
    "pulumi:providers:kubernetes": 1,
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
}


@pytest.fixture(params=["dev_stack", "prod_stack"])
def eks_stack(request: pytest.FixtureRequest) -> Built:
    return request.getfixturevalue(request.param)


def release(built: Built) -> dict:
    return built.find_created(
        "kubernetes:helm.sh/v3:Release",
        "airflow-" + built.one("airflow-aws:airflow_chart:AirflowChart").name.removeprefix("airflow-") + "-release",
    ).inputs


def k8s_secret(built: Built, role: str):
    (secret,) = [
        s for s in built.of_type("kubernetes:core/v1:Secret") if s.inputs["metadata"]["name"] == SECRET_NAMES[role]
    ]
    return secret


class TestResourceGraph:
    """Types and counts of everything the program creates."""

    def test_should_create_the_dev_graph(self, dev_stack: Built):
        assert dev_stack.type_counts() == DEV_COUNTS

    def test_should_create_the_prod_graph(self, prod_stack: Built):
        assert prod_stack.type_counts() == PROD_COUNTS

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

    def test_should_call_only_zones_and_identity(self, eks_stack: Built):
        assert sorted(set(eks_stack.invokes)) == [
            "aws:index/getAvailabilityZones:getAvailabilityZones",
            "aws:index/getCallerIdentity:getCallerIdentity",
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


class TestStorage:
    """Task logs expire; DAG objects do not."""

    @pytest.mark.parametrize(("stack", "days"), [("dev_stack", 30), ("prod_stack", 90)])
    def test_should_expire_task_logs_after_the_preset_retention(self, request, stack: str, days: int):
        built: Built = request.getfixturevalue(stack)
        lifecycle = built.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        logs_bucket = next(b for b in built.of_type("aws:s3/bucket:Bucket") if b.name.endswith("-logs"))
        assert lifecycle.inputs["bucket"] == logs_bucket.inputs["bucketPrefix"] + "abc123"
        (rule,) = lifecycle.inputs["rules"]
        assert (rule["status"], rule["expiration"]["days"]) == ("Enabled", days)
        assert rule["noncurrentVersionExpiration"]["noncurrentDays"] >= 1


class TestMetadataDatabase:
    """RDS PostgreSQL 16."""

    def test_should_be_private_encrypted_and_backed_up(self, eks_stack: Built):
        db = eks_stack.one("aws:rds/instance:Instance").inputs
        assert (db["engine"], db["engineVersion"]) == ("postgres", "16")
        assert db["publiclyAccessible"] is False and db["storageEncrypted"] is True
        assert db["kmsKeyId"].startswith("arn:aws:kms:")
        assert db["backupRetentionPeriod"] >= 1
        assert "password" in eks_stack.one("aws:rds/instance:Instance").secret_paths

    def test_should_force_ssl(self, eks_stack: Built):
        group = eks_stack.one("aws:rds/parameterGroup:ParameterGroup")
        assert group.inputs["family"] == "postgres16"
        assert {"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"} in group.inputs["parameters"]
        # The mock auto-names the group after its logical name, as Pulumi would (plus a suffix).
        assert eks_stack.one("aws:rds/instance:Instance").inputs["parameterGroupName"] == group.name

    def test_should_be_multi_az_and_protected_in_prod_only(self, dev_stack: Built, prod_stack: Built):
        dev, prod = (s.one("aws:rds/instance:Instance").inputs for s in (dev_stack, prod_stack))
        assert (dev["multiAz"], dev["deletionProtection"], dev["skipFinalSnapshot"]) == (False, False, True)
        assert (prod["multiAz"], prod["deletionProtection"], prod["skipFinalSnapshot"]) == (True, True, False)
        assert prod["backupRetentionPeriod"] == 14


class TestBroker:
    """ElastiCache replication group."""

    def test_should_encrypt_in_transit_and_at_rest_with_an_auth_token(self, eks_stack: Built):
        group = eks_stack.one("aws:elasticache/replicationGroup:ReplicationGroup")
        assert group.inputs["transitEncryptionEnabled"] is True and group.inputs["atRestEncryptionEnabled"] is True
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

    def test_should_harden_the_control_plane(self, eks_stack: Built):
        cluster = eks_stack.one("eks:index:Cluster").inputs
        assert cluster["endpointPrivateAccess"] is True and cluster["createOidcProvider"] is True
        assert cluster["encryptionConfigKeyArn"].startswith("arn:aws:kms:")
        assert cluster["enabledClusterLogTypes"] == CONTROL_PLANE_LOG_TYPES
        assert cluster["skipDefaultNodeGroup"] is True

    def test_should_keep_the_prod_endpoint_private(self, dev_stack: Built, prod_stack: Built):
        assert dev_stack.one("eks:index:Cluster").inputs["publicAccessCidrs"] == ["203.0.113.0/24"]
        assert prod_stack.one("eks:index:Cluster").inputs["endpointPublicAccess"] is False

    def test_should_encrypt_node_volumes_and_require_imdsv2(self, eks_stack: Built):
        template = eks_stack.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
        assert template["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
        assert template["metadataOptions"]["httpTokens"] == "required"
        assert template["metadataOptions"]["httpPutResponseHopLimit"] == 1

    def test_should_size_node_groups_from_the_preset(self, prod_stack: Built):
        group = prod_stack.one("eks:index:ManagedNodeGroup").inputs
        assert group["scalingConfig"] == {"minSize": 3, "maxSize": 9, "desiredSize": 3}
        assert group["instanceTypes"] == ["m6i.xlarge"]


class TestImageRegistry:
    """ECR repository."""

    def test_should_be_immutable_and_scanned(self, eks_stack: Built):
        repository = eks_stack.one("aws:ecr/repository:Repository").inputs
        assert repository["imageTagMutability"] == "IMMUTABLE"
        assert repository["imageScanningConfiguration"] == {"scanOnPush": True}


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

    def test_should_read_only_the_backend_prefixes(self, eks_stack: Built):
        for policy in eks_stack.of_type("aws:iam/rolePolicy:RolePolicy"):
            for statement in statements(policy):
                if statement["Action"][0].startswith("secretsmanager:"):
                    assert statement["Resource"] == [
                        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:airflow/connections/*",
                        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:airflow/variables/*",
                    ]


class TestAirflowRelease:
    """The official chart via helm.v3.Release, and the Secrets it reads."""

    def test_should_install_the_official_chart_atomically(self, eks_stack: Built):
        inputs = release(eks_stack)
        assert (inputs["chart"], inputs["version"]) == ("airflow", "1.22.0")
        assert inputs["repositoryOpts"]["repo"] == "https://airflow.apache.org"
        assert inputs["atomic"] is True and not inputs.get("skipAwait")
        # Jobs are awaited through the workloads that wait for migrations; Helm's own job check would fail
        # once a finished job's TTL removed it mid-wait.
        assert not inputs.get("waitForJobs")

    def test_should_install_keda_where_the_network_policy_expects_it(self, eks_stack: Built):
        keda = eks_stack.find_created(
            "kubernetes:helm.sh/v3:Release", f"{eks_stack.one('airflow-aws:airflow_chart:AirflowChart').name}-keda"
        )
        labels = release(eks_stack)["values"]["workers"]["celery"]["keda"]["namespaceLabels"]
        assert labels == {"kubernetes.io/metadata.name": keda.inputs["namespace"]}

    def test_should_pass_values_that_pass_the_chart_schema(self, eks_stack: Built):
        errors = schema_errors(release(eks_stack)["values"])
        assert not errors, "release values break the chart schema:\n" + "\n".join(errors)

    def test_should_pass_exactly_the_pure_merge_of_the_recorded_infra(self, dev_stack: Built):
        values = release(dev_stack)["values"]
        roles = dev_stack.one("airflow-aws:service_roles:ServiceRoles").name
        repository = dev_stack.one("aws:ecr/repository:Repository").inputs["name"]
        logs_bucket = next(b for b in dev_stack.of_type("aws:s3/bucket:Bucket") if "-logs" in b.name)
        expected = chart_values(
            ChartInputs(
                airflow_version="3.3.1",
                image_repository=f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/{repository}",
                image_tag="3.3.1-1",
                logs_bucket=f"{logs_bucket.inputs['bucketPrefix']}abc123",
                region="eu-west-1",
                role_arns={c: f"arn:aws:iam::{ACCOUNT_ID}:role/{roles}-{a}" for c, a in SERVICE_ACCOUNTS.items()},
                dags=DagSource("git-sync", "https://github.com/example-org/airflow-dags.git", "main", "dags"),
                size="dev",
            )
        )
        assert values == json.loads(json.dumps(expected))

    def test_should_point_the_metadata_secret_at_the_rds_endpoint(self, eks_stack: Built):
        address = f"{eks_stack.one('aws:rds/instance:Instance').name}.c0ffee.eu-west-1.rds.amazonaws.com"
        ini = k8s_secret(eks_stack, "pgbouncer-config").inputs["stringData"]["pgbouncer.ini"]
        assert f"host={address} port=5432 dbname=airflow pool_size=20" in ini
        assert "max_client_conn = 200" in ini, "helm_values/base.yaml's pgbouncer.maxClientConn must apply"
        connection = k8s_secret(eks_stack, "metadata").inputs["stringData"]["connection"]
        password = eks_stack.one("aws:rds/instance:Instance").inputs["password"]
        assert connection.startswith(f"postgresql://airflow:{password}@airflow-pgbouncer.airflow:6543/")

    def test_should_give_celery_results_the_same_database_in_sqlalchemy_form(self, eks_stack: Built):
        metadata = k8s_secret(eks_stack, "metadata").inputs["stringData"]["connection"]
        result_backend = k8s_secret(eks_stack, "result-backend").inputs["stringData"]["connection"]
        assert result_backend == f"db+{metadata}"

    def test_should_point_the_broker_secret_at_elasticache_over_tls(self, eks_stack: Built):
        group = eks_stack.one("aws:elasticache/replicationGroup:ReplicationGroup")
        url = k8s_secret(eks_stack, "broker").inputs["stringData"]["connection"]
        assert (
            url == f"rediss://:{group.inputs['authToken']}@master.{group.name}.abc.euw1.cache.amazonaws.com:6379/0"
            "?ssl_cert_reqs=required"
        )

    def test_should_give_fernet_a_url_safe_key(self, eks_stack: Built):
        key = k8s_secret(eks_stack, "fernet-key").inputs["stringData"]["fernet-key"]
        assert "+" not in key and "/" not in key and len(key) == 44

    def test_should_mark_every_kubernetes_secret_value_secret(self, eks_stack: Built):
        for secret in eks_stack.of_type("kubernetes:core/v1:Secret"):
            assert all(
                f"stringData.{key}" in secret.secret_paths or "stringData" in secret.secret_paths
                for key in secret.inputs["stringData"]
            ), f"{secret.urn} holds plain-text data"

    def test_should_enforce_restricted_pod_security_on_the_namespace(self, eks_stack: Built):
        labels = eks_stack.one("kubernetes:core/v1:Namespace").inputs["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"

    def test_should_use_git_bundles_and_ingress_in_prod(self, prod_stack: Built):
        values = release(prod_stack)["values"]
        assert values["dagProcessor"]["dagBundleConfigList"][0]["kwargs"]["git_conn_id"] == "git_dags_repo"
        assert values["ingress"]["apiServer"]["hosts"] == [{"name": "airflow.example.com"}]


class TestOutputs:
    """Stack outputs."""

    def test_should_export_urls_buckets_registry_and_secret_arns(self, eks_stack: Built):
        outputs = eks_stack.outputs
        assert set(outputs) == {
            "apiUrl",
            "kubeconfig",
            "logsBucket",
            "dagsBucket",
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
        assert (outputs["connectionsPrefix"], outputs["variablesPrefix"]) == (
            "airflow/connections",
            "airflow/variables",
        )

    def test_should_mark_the_kubeconfig_and_only_it_secret(self, eks_stack: Built):
        assert eks_stack.secret_outputs == {"kubeconfig"}

    def test_should_say_how_to_reach_the_ui(self, dev_stack: Built, prod_stack: Built):
        assert "port-forward svc/airflow-api-server 8080:8080" in dev_stack.outputs["apiUrl"]
        assert prod_stack.outputs["apiUrl"] == "https://airflow.example.com"
