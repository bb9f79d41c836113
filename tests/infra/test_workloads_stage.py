"""The workloads stage (workloads/, infra/workloads.py) on each EKS example stack's recorded platform stage.

It reads the platform through a StackReference, refuses a platform without its `workloads` output, reads secret
values from Secrets Manager by ARN and pins the chart to the digest ECR holds for image.tag. Its creation order
is checked in test_eks_creation_order.py; the values the release gets in tests/helm/test_release_values.py.
"""

from __future__ import annotations

import json

import pulumi
import pytest

from airflow_settings.versions import pin
from infra.airflow_namespace import IMAGE_ANNOTATION
from infra.helm_values import SECRET_NAMES
from infra.workloads_inputs import PLATFORM_SECRETS, WORKLOADS_OUTPUT, from_output
from tests.infra.example_stacks import airflow_release, example_platform, example_workloads
from tests.infra.harness import ACCOUNT_ID, ORGANIZATION, S3_CIDRS, Built, build_stack, stack_config
from tests.infra.staged_stacks import IMAGE_DIGEST, build_workloads, workloads_config

pytestmark = pytest.mark.infra

WORKLOADS_COUNTS = {
    "airflow-aws:airflow_chart:AirflowChart": 1,
    "airflow-aws:airflow_namespace:AirflowNamespace": 1,
    "airflow-aws:cluster_access:ClusterAccess": 1,
    "airflow-aws:cluster_addons:ClusterAddons": 1,
    "kubernetes:core/v1:Namespace": 1,
    "kubernetes:core/v1:Secret": 9,
    # Default-deny, DNS and nine allow rules (infra/network_policies.py; pod launching is off).
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 11,
    # The Airflow chart and KEDA.
    "kubernetes:helm.sh/v3:Release": 2,
    "pulumi:providers:aws": 1,
    "pulumi:providers:kubernetes": 1,
}
PROD_WORKLOADS_COUNTS = {
    **WORKLOADS_COUNTS,
    # The ingress: the AWS Load Balancer Controller too.
    "kubernetes:helm.sh/v3:Release": 3,
}


def release(built: Built) -> dict:
    return airflow_release(built).inputs


def k8s_secret(built: Built, role: str):
    (secret,) = [
        s for s in built.of_type("kubernetes:core/v1:Secret") if s.inputs["metadata"]["name"] == SECRET_NAMES[role]
    ]
    return secret


def _lookups(built: Built, token: str) -> list[dict]:
    return [args for called, args in zip(built.invokes, built.invoke_args, strict=True) if called == token]


class TestWorkloadsGraph:
    """What the stage creates: Kubernetes objects and their providers, no AWS resource."""

    def test_should_create_only_kubernetes_objects(self):
        assert example_workloads("dev").type_counts() == WORKLOADS_COUNTS
        assert example_workloads("prod").type_counts() == PROD_WORKLOADS_COUNTS

    def test_should_build_the_same_graph_through_the_pulumi_entry_point(self):
        built = build_workloads("dev", example_platform("dev"), through_entry_point=True)
        assert built.type_counts() == WORKLOADS_COUNTS

    @pytest.mark.parametrize("stack", ["dev", "prod"])
    def test_should_take_no_config_but_the_platform_stack(self, stack: str):
        assert set(workloads_config(stack)) <= {"airflow-aws-workloads:platformStack"}

    @pytest.mark.parametrize("stack", ["dev", "prod"])
    def test_should_read_the_platform_stack_of_the_same_name(self, stack: str):
        with pytest.raises(pulumi.RunError, match=rf"^platform stack {ORGANIZATION}/airflow-aws/{stack} has no"):
            build_workloads(stack, example_platform(stack), platform_outputs={})

    def test_should_read_another_platform_stack_when_told(self):
        config = {"airflow-aws-workloads:platformStack": "acme/airflow-aws/dev-eu"}
        with pytest.raises(pulumi.RunError, match=r"^platform stack acme/airflow-aws/dev-eu has no `workloads`"):
            build_workloads("dev", example_platform("dev"), platform_outputs={}, config=config)

    def test_should_take_its_region_from_the_platform(self, eks_workloads: Built):
        assert eks_workloads.one("pulumi:providers:aws").inputs["region"] == "eu-west-1"


class TestPlatformContract:
    """The platform's `workloads` output: what it carries, and a platform without it."""

    @pytest.mark.parametrize("stack", ["dev", "prod"])
    def test_should_refuse_a_platform_without_its_workloads_output(self, stack: str):
        built = Built()
        outputs = {k: v for k, v in example_platform(stack).outputs.items() if k != WORKLOADS_OUTPUT}
        with pytest.raises(
            pulumi.RunError,
            match=rf"platform stack {ORGANIZATION}/airflow-aws/{stack} has no `workloads` output.*fix: run the "
            r"platform stage first \(`make deploy` runs it before this one\)",
        ):
            build_workloads(stack, example_platform(stack), built, platform_outputs=outputs)
        assert built.resources == [], f"declared {[r.name for r in built.resources]} on a platform that is not there"

    def test_should_refuse_an_output_it_cannot_read(self):
        built = Built()
        platform = example_platform("dev")
        broken = {**platform.outputs, WORKLOADS_OUTPUT: json.dumps({"name_prefix": "airflow-dev"})}
        with pytest.raises(pulumi.RunError, match=r"`workloads` output is not what this program reads.*fix: run "):
            build_workloads("dev", platform, built, platform_outputs=broken)
        assert built.resources == []

    def test_should_export_it_only_once_every_node_group_exists(self, eks_platform: Built):
        awaited = eks_platform.output_dependencies[WORKLOADS_OUTPUT]
        groups = eks_platform.of_type("eks:index:ManagedNodeGroup")
        assert groups and {group.urn for group in groups} <= awaited
        assert from_output(eks_platform.outputs[WORKLOADS_OUTPUT], platform_stack="x").node_groups == ("general",)

    @pytest.mark.parametrize(
        "awaited", ["aws:ecr/repository:Repository", "aws:secretsmanager/secret:Secret", "aws:s3/bucket:Bucket"]
    )
    def test_should_export_it_after_what_it_names(self, eks_platform: Built, awaited: str):
        assert {r.urn for r in eks_platform.of_type(awaited)} <= eks_platform.output_dependencies[WORKLOADS_OUTPUT]

    def test_should_export_it_after_the_service_roles(self, eks_platform: Built):
        roles = [r for r in eks_platform.of_type("aws:iam/role:Role") if "-irsa-" in r.name]
        assert roles and {r.urn for r in roles} <= eks_platform.output_dependencies[WORKLOADS_OUTPUT]

    def test_should_carry_no_secret_value(self, eks_platform: Built):
        assert WORKLOADS_OUTPUT not in eks_platform.secret_outputs
        text = eks_platform.outputs[WORKLOADS_OUTPUT]
        for version in eks_platform.of_type("aws:secretsmanager/secretVersion:SecretVersion"):
            assert version.inputs["secretString"] not in text

    def test_should_carry_the_network_the_policies_name(self, eks_platform: Built):
        network = from_output(eks_platform.outputs[WORKLOADS_OUTPUT], platform_stack="x").chart_inputs.network
        subnets = {"public": [], "private": []}
        for subnet in sorted(eks_platform.of_type("aws:ec2/subnet:Subnet"), key=lambda subnet: subnet.name):
            subnets["public" if "-public-" in subnet.name else "private"].append(subnet)
        assert network.private_subnet_cidrs == tuple(s.inputs["cidrBlock"] for s in subnets["private"])
        assert network.load_balancer_cidrs == tuple(s.inputs["cidrBlock"] for s in subnets["public"])
        assert network.load_balancer_subnet_ids == tuple(f"{s.name}-id" for s in subnets["public"])
        assert network.vpc_cidr == eks_platform.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"]
        assert network.s3_cidrs == tuple(S3_CIDRS)
        assert network.service_cidr == eks_platform.one("eks:index:Cluster").inputs["kubernetesServiceIpAddressRange"]
        assert (network.database_port, network.broker_port) == (5432, 6379)

    @pytest.mark.parametrize("stack", ["dev", "prod"])
    def test_should_read_each_secret_by_the_arn_the_platform_exports(self, stack: str):
        arns = example_platform(stack).outputs["secretArns"]
        lookups = _lookups(example_workloads(stack), "aws:secretsmanager/getSecretVersion:getSecretVersion")
        assert sorted(args["secretId"] for args in lookups) == sorted(arns[key] for key in PLATFORM_SECRETS)


class TestImagePin:
    """The chart runs the pushed image's digest, and nothing starts without it."""

    def test_should_pin_the_chart_to_the_pushed_digest(self, eks_workloads: Built):
        image = release(eks_workloads)["values"]["images"]["airflow"]
        assert image["digest"] == IMAGE_DIGEST
        assert image["repository"].startswith(f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/airflow-")
        namespace = eks_workloads.one("kubernetes:core/v1:Namespace")
        assert namespace.inputs["metadata"]["annotations"] == {
            IMAGE_ANNOTATION: f"{image['repository']}@{IMAGE_DIGEST}"
        }

    def test_should_look_the_tag_up_in_the_stacks_own_repository(self, eks_workloads: Built):
        (lookup,) = _lookups(eks_workloads, "aws:ecr/getImages:getImages")
        assert lookup["registryId"] == ACCOUNT_ID and lookup["repositoryName"].endswith("/airflow")

    @pytest.mark.parametrize("stack", ["dev", "prod"])
    def test_should_refuse_an_image_not_pushed_before_any_kubernetes_object(self, stack: str):
        built = Built()
        with pytest.raises(
            pulumi.RunError,
            match=rf"is not in ECR.*fix: build and push it with `make image-push STACK={stack}`",
        ):
            build_workloads(stack, example_platform(stack), built, pushed_tags=("some-other-tag",))
        assert not [r.name for r in built.resources if r.type.startswith("kubernetes:")]

    def test_should_run_an_image_from_another_registry_by_its_tag(self):
        config = {**stack_config("dev"), "airflow-aws:image": {"repository": "ghcr.io/acme/airflow", "tag": "3.3.1-1"}}
        built = build_workloads("dev", build_stack("dev", config))
        assert not _lookups(built, "aws:ecr/getImages:getImages")
        image = release(built)["values"]["images"]["airflow"]
        assert (image["repository"], image["tag"], "digest" in image) == ("ghcr.io/acme/airflow", "3.3.1-1", False)


class TestAirflowRelease:
    """The official chart via helm.v3.Release, and the Secrets it reads."""

    def test_should_install_the_official_chart_atomically(self, eks_stack: Built):
        inputs = release(eks_stack)
        assert (inputs["chart"], inputs["version"]) == ("airflow", pin("airflow-chart").version)
        assert inputs["repositoryOpts"]["repo"] == "https://airflow.apache.org"
        assert inputs["atomic"] is True and not inputs.get("skipAwait")
        # Jobs are awaited through the workloads that wait for migrations; Helm's own job check would fail
        # once a finished job's TTL removed it mid-wait.
        assert not inputs.get("waitForJobs")

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
