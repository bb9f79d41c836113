"""The values the EKS example stacks hand helm.v3.Release: the pure merge of the recorded infra, schema-valid."""

import json

from airflow_settings import load_settings
from airflow_settings.git_bundle import GIT_BUNDLE_CONN_ID
from airflow_settings.render import for_stack
from airflow_settings.versions import AIRFLOW_VERSION
from infra.chart_images import ecr_registry
from infra.components import SERVICE_ACCOUNTS
from infra.config_sections import DagsConfig, IngressConfig
from infra.helm_values import ChartInputs, chart_values
from tests.helm.chart_utils import DEFAULT_NETWORK, schema_errors
from tests.infra.example_stacks import airflow_release
from tests.infra.harness import ACCOUNT_ID, Built, stack_config
from tests.infra.staged_stacks import IMAGE_DIGEST


def release_values(built: Built) -> dict:
    return airflow_release(built).inputs["values"]


class TestReleaseValues:
    """What the Airflow chart's Release receives in the dev and prod stacks."""

    def test_should_pass_values_that_pass_the_chart_schema(self, eks_stack: Built):
        errors = schema_errors(release_values(eks_stack))
        assert not errors, "release values break the chart schema:\n" + "\n".join(errors)

    def test_should_pass_exactly_the_pure_merge_of_the_recorded_infra(self, dev_stack: Built):
        roles = dev_stack.one("airflow-aws:service_roles:ServiceRoles").name
        repository = dev_stack.one("aws:ecr/repository:Repository").inputs["name"]
        (logs_bucket,) = dev_stack.of_type("aws:s3/bucket:Bucket")
        # By name, the program's order: the mocks register resources in whatever order their calls finish.
        private_cidrs = tuple(
            subnet.inputs["cidrBlock"]
            for subnet in sorted(dev_stack.of_type("aws:ec2/subnet:Subnet"), key=lambda subnet: subnet.name)
            if "kubernetes.io/role/elb" not in subnet.inputs["tags"]
        )
        config = stack_config("dev")
        expected = chart_values(
            ChartInputs(
                airflow_version=AIRFLOW_VERSION,
                image_repository=f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/{repository}",
                image_tag=config["airflow-aws:image"]["tag"],
                logs_bucket=f"{logs_bucket.inputs['bucketPrefix']}abc123",
                region=config["aws:region"],
                role_arns={c: f"arn:aws:iam::{ACCOUNT_ID}:role/{roles}-{a}" for c, a in SERVICE_ACCOUNTS.items()},
                settings=for_stack(load_settings().for_target("eks"), "airflow-dev"),
                dags=DagsConfig.model_validate(config["airflow-aws:dags"]),
                ingress=IngressConfig(enabled=False, internal=True),
                registry=ecr_registry(ACCOUNT_ID, config["aws:region"]),
                # Dev's VPC, the mocks' S3 prefix list: the facts DEFAULT_NETWORK was written from.
                network=DEFAULT_NETWORK,
                size="dev",
                image_digest=IMAGE_DIGEST,
            )
        )
        assert DEFAULT_NETWORK.private_subnet_cidrs == private_cidrs
        assert release_values(dev_stack) == json.loads(json.dumps(expected))

    def test_should_install_keda_where_the_network_policy_expects_it(self, eks_stack: Built):
        (keda,) = [r for r in eks_stack.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "keda"]
        labels = release_values(eks_stack)["workers"]["celery"]["keda"]["namespaceLabels"]
        assert labels == {"kubernetes.io/metadata.name": keda.inputs["namespace"]}

    def test_should_use_git_bundles_and_ingress_in_prod(self, prod_stack: Built):
        values = release_values(prod_stack)
        assert values["dagProcessor"]["dagBundleConfigList"][0]["kwargs"]["git_conn_id"] == GIT_BUNDLE_CONN_ID
        assert values["ingress"]["apiServer"]["hosts"] == [{"name": "airflow.example.com"}]
