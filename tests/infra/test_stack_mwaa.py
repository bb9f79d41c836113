"""The MWAA stack (Pulumi.mwaa.yaml): resources, wiring, IAM and artifact versions (its input rules:
test_mwaa_input_rules.py).

The security rules every stack must pass are the policy pack's (tests/policy/test_example_stacks.py).
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from airflow_settings import load_settings
from airflow_settings.render import as_mwaa_options, for_stack
from airflow_settings.versions import AIRFLOW_VERSION
from infra.alarm_rules import ALARMS
from infra.config import StackConfigError
from infra.mwaa import MwaaArtifacts, MwaaArtifactsArgs
from infra.mwaa_rules import LOG_TYPES, REFUSED_OPTIONS
from mwaa.layout import ARTIFACT_KEYS, DAGS_PREFIX
from tests.infra.harness import (
    ACCOUNT_ID,
    Built,
    build_stack,
    platform_key,
    run_under_mocks,
    stack_config,
    statements,
)

pytestmark = pytest.mark.infra

MWAA_COUNTS = {
    "airflow-aws:alarms:MwaaAlarms": 1,
    "airflow-aws:encryption:PlatformKey": 1,
    "airflow-aws:mwaa:MwaaArtifacts": 1,
    "airflow-aws:mwaa:MwaaEnvironment": 1,
    "airflow-aws:network:Network": 1,
    "airflow-aws:storage:Storage": 1,
    "aws:ec2/eip:Eip": 1,
    "aws:ec2/internetGateway:InternetGateway": 1,
    "aws:ec2/natGateway:NatGateway": 1,
    "aws:ec2/route:Route": 3,
    "aws:ec2/routeTable:RouteTable": 3,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
    "aws:ec2/securityGroup:SecurityGroup": 2,
    "aws:ec2/subnet:Subnet": 4,
    "aws:ec2/vpc:Vpc": 1,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 9,
    # MWAA's five log types, each in a group created before the environment (retention, platform key).
    "aws:cloudwatch/logGroup:LogGroup": 5,
    "aws:cloudwatch/metricAlarm:MetricAlarm": len(ALARMS),
    "aws:iam/role:Role": 1,
    "aws:iam/rolePolicy:RolePolicy": 1,
    "aws:kms/alias:Alias": 1,
    # The platform key and the alert topic's (CloudWatch alarms must be allowed to encrypt with it).
    "aws:kms/key:Key": 2,
    "aws:mwaa/environment:Environment": 1,
    "aws:s3/bucket:Bucket": 2,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "aws:s3/bucketObjectv2:BucketObjectv2": 3,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 2,
    "aws:s3/bucketPolicy:BucketPolicy": 2,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 2,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 2,
    "aws:s3/bucketVersioning:BucketVersioning": 2,
    # No subscription: Pulumi.mwaa.yaml lists no observability.alertEmails.
    "aws:sns/topic:Topic": 1,
}


def environment(built: Built) -> dict:
    return built.one("aws:mwaa/environment:Environment").inputs


class TestMwaaResourceGraph:
    """What an mwaa stack creates, and what it does not."""

    def test_should_create_the_mwaa_graph(self, mwaa_stack: Built):
        assert mwaa_stack.type_counts() == MWAA_COUNTS

    def test_should_create_no_eks_database_or_broker(self, mwaa_stack: Built):
        assert not [
            r.type
            for r in mwaa_stack.resources
            if r.type.startswith(("eks:", "kubernetes:", "aws:rds", "aws:elasticache"))
        ]


class TestMwaaEnvironment:
    """aws.mwaa.Environment properties."""

    def test_should_run_the_pinned_airflow_version(self, mwaa_stack: Built):
        assert environment(mwaa_stack)["airflowVersion"] == AIRFLOW_VERSION

    def test_should_use_exactly_two_private_subnets_in_two_zones(self, mwaa_stack: Built):
        subnet_ids = environment(mwaa_stack)["networkConfiguration"]["subnetIds"]
        subnets = {f"{s.name}-id": s for s in mwaa_stack.of_type("aws:ec2/subnet:Subnet")}
        assert len(subnet_ids) == 2
        assert all("-private-" in subnets[subnet_id].name for subnet_id in subnet_ids)
        assert len({subnets[subnet_id].inputs["availabilityZone"] for subnet_id in subnet_ids}) == 2

    def test_should_size_from_the_preset(self, mwaa_stack: Built):
        inputs = environment(mwaa_stack)
        assert [inputs[key] for key in ("environmentClass", "minWorkers", "maxWorkers", "schedulers")] == [
            "mw1.small",
            1,
            3,
            2,
        ]

    def test_should_turn_on_all_five_log_types(self, mwaa_stack: Built):
        logging = environment(mwaa_stack)["loggingConfiguration"]
        expected = load_settings().for_target("mwaa")["logging"]["logging_level"]
        assert {log: (logging[_camel(log)]["enabled"], logging[_camel(log)]["logLevel"]) for log in LOG_TYPES} == {
            log: (True, expected) for log in LOG_TYPES
        }

    def test_should_read_from_the_shared_dags_bucket(self, mwaa_stack: Built):
        dags = next(b for b in mwaa_stack.of_type("aws:s3/bucket:Bucket") if b.name.endswith("-dags"))
        assert environment(mwaa_stack)["sourceBucketArn"] == f"arn:aws:s3:::{dags.inputs['bucketPrefix']}abc123"
        assert dags.inputs["bucketPrefix"].startswith("airflow-")

    def test_should_render_options_from_the_settings_source(self, mwaa_stack: Built):
        options = environment(mwaa_stack)["airflowConfigurationOptions"]
        # The stack's own secrets prefixes replace settings.yaml's shared ones.
        expected = as_mwaa_options(for_stack(load_settings().for_target("mwaa"), "airflow-mwaa"))
        assert options == {key: value for key, value in expected.items() if key not in REFUSED_OPTIONS}
        assert options["secrets.backend"].endswith("SecretsManagerBackend")
        assert not set(options) & set(REFUSED_OPTIONS)


class TestMwaaOutputs:
    """Stack outputs of the mwaa target."""

    def test_should_export_where_dags_go_and_the_web_server(self, mwaa_stack: Built):
        outputs = mwaa_stack.outputs
        dags = next(b for b in mwaa_stack.of_type("aws:s3/bucket:Bucket") if b.name.endswith("-dags"))
        assert outputs["dagsS3Uri"] == f"s3://{dags.inputs['bucketPrefix']}abc123/{DAGS_PREFIX}"
        assert environment(mwaa_stack)["dagS3Path"] == DAGS_PREFIX
        assert (outputs["connectionsPrefix"], outputs["variablesPrefix"]) == (
            "airflow-mwaa/connections",
            "airflow-mwaa/variables",
        )
        assert outputs["apiUrl"] == "https://abc.c2.airflow.eu-west-1.on.aws"
        assert mwaa_stack.secret_outputs == set()


class TestMwaaArtifacts:
    """requirements.txt, plugins.zip and startup.sh as versioned objects."""

    @pytest.mark.parametrize(
        ("artifact", "prefix"),
        [("requirements", "requirements"), ("plugins", "plugins"), ("startup", "startupScript")],
    )
    def test_should_feed_object_versions_to_the_environment(self, mwaa_stack: Built, artifact: str, prefix: str):
        inputs = environment(mwaa_stack)
        assert inputs[f"{prefix}S3Path"] == ARTIFACT_KEYS[artifact]
        assert inputs[f"{prefix}S3ObjectVersion"] == f"version-of-{ARTIFACT_KEYS[artifact]}"

    @pytest.mark.parametrize("artifact", ARTIFACT_KEYS)
    def test_should_encrypt_each_object_with_the_platform_key(self, mwaa_stack: Built, artifact: str):
        """Named on the object, so no upload is ever stored under SSE-S3, whatever the bucket's default."""
        uploaded = mwaa_stack.find_created("aws:s3/bucketObjectv2:BucketObjectv2", f"airflow-mwaa-artifacts-{artifact}")
        key_arn = f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/{platform_key(mwaa_stack).name}"
        assert (
            uploaded.inputs["serverSideEncryption"],
            uploaded.inputs["kmsKeyId"],
            uploaded.inputs["bucketKeyEnabled"],
        ) == ("aws:kms", key_arn, True)

    def test_should_refuse_missing_artifacts_before_any_resource(self, tmp_path: Path):
        config = stack_config("mwaa")
        config["airflow-aws:mwaa"] = {**config["airflow-aws:mwaa"], "artifactsDir": str(tmp_path)}
        built = Built()
        with pytest.raises(
            StackConfigError,
            match=r"airflow-aws:mwaa\.artifactsDir: requirements\.txt, plugins\.zip, startup\.sh missing in .*; "
            r"fix: run `make mwaa-artifacts`",
        ):
            build_stack("mwaa", config, built)
        assert built.resources == []

    def test_should_hold_the_component_to_the_same_rule(self, tmp_path: Path):
        args = MwaaArtifactsArgs(
            bucket="b", bucket_ready=[], kms_key_arn="arn:aws:kms:eu-west-1:1:key/k", directory=tmp_path
        )
        built = Built()
        with pytest.raises(
            pulumi.RunError, match=r"x-artifacts: MwaaArtifacts inputs are invalid:\n  mwaa\.artifactsDir: "
        ):
            run_under_mocks("mwaa", {}, lambda: MwaaArtifacts("x-artifacts", args), built)
        assert [r.type for r in built.resources] == ["airflow-aws:mwaa:MwaaArtifacts"]


class TestMwaaExecutionRole:
    """Execution role trust and permissions."""

    def test_should_be_trusted_by_the_two_mwaa_principals(self, mwaa_stack: Built):
        (trust,) = statements(mwaa_stack.one("aws:iam/role:Role"), "assumeRolePolicy")
        assert sorted(trust["Principal"]["Service"]) == ["airflow-env.amazonaws.com", "airflow.amazonaws.com"]

    def test_should_scope_logs_queues_and_secrets(self, mwaa_stack: Built):
        by_sid = {s["Sid"]: s for s in statements(mwaa_stack.one("aws:iam/rolePolicy:RolePolicy"))}
        assert by_sid["AirflowLogs"]["Resource"] == [
            f"arn:aws:logs:eu-west-1:{ACCOUNT_ID}:log-group:airflow-airflow-mwaa-*"
        ]
        assert by_sid["CeleryQueues"]["Resource"] == ["arn:aws:sqs:eu-west-1:*:airflow-celery-*"]
        assert by_sid["SecretsBackend"]["Resource"] == [
            f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:airflow-mwaa/{kind}/*"
            for kind in ("connections", "variables")
        ]
        key = by_sid["PlatformKey"]
        assert key["Resource"] == [f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/{platform_key(mwaa_stack).name}"]
        # The key is usable only through the services MWAA documents (and Secrets Manager for the backend).
        assert set(key["Condition"]["StringLike"]["kms:ViaService"]) == {
            "sqs.eu-west-1.amazonaws.com",
            "s3.eu-west-1.amazonaws.com",
            "secretsmanager.eu-west-1.amazonaws.com",
        }

    def test_should_grant_only_documented_statements(self, mwaa_stack: Built):
        assert [s["Sid"] for s in statements(mwaa_stack.one("aws:iam/rolePolicy:RolePolicy"))] == [
            "PublishMetrics",
            "OwnCliToken",
            "SourceBucket",
            "AccountPublicAccessBlock",
            "AirflowLogs",
            "ListLogGroups",
            "Metrics",
            "CeleryQueues",
            "PlatformKey",
            "SecretsBackend",
        ]

    def test_should_let_the_maintenance_dag_call_its_own_environments_cli(self, mwaa_stack: Built):
        """dags/maintenance_db_clean.py runs `airflow db clean` through CreateCliToken, for this environment only."""
        by_sid = {s["Sid"]: s for s in statements(mwaa_stack.one("aws:iam/rolePolicy:RolePolicy"))}
        assert by_sid["OwnCliToken"]["Action"] == ["airflow:CreateCliToken"]
        assert by_sid["OwnCliToken"]["Resource"] == [mwaa_stack.outputs["mwaaEnvironmentArn"]]
        assert (
            mwaa_stack.outputs["mwaaEnvironmentArn"]
            == f"arn:aws:airflow:eu-west-1:{ACCOUNT_ID}:environment/airflow-mwaa"
        )

    def test_should_only_read_the_source_bucket(self, mwaa_stack: Built):
        by_sid = {s["Sid"]: s for s in statements(mwaa_stack.one("aws:iam/rolePolicy:RolePolicy"))}
        assert not [a for a in by_sid["SourceBucket"]["Action"] if a.startswith(("s3:Put", "s3:Delete"))]


class TestMwaaKey:
    """The platform key's policy."""

    def test_should_let_cloudwatch_logs_encrypt_only_this_account_log_groups(self, mwaa_stack: Built):
        by_sid = {s["Sid"]: s for s in statements(platform_key(mwaa_stack))}
        logs = by_sid["CloudWatchLogs"]
        assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
        assert logs["Condition"]["ArnLike"] == {
            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-west-1:{ACCOUNT_ID}:*"
        }

    def test_should_not_open_the_key_to_logs_on_eks(self, dev_stack: Built):
        assert "CloudWatchLogs" not in [s["Sid"] for s in statements(dev_stack.one("aws:kms/key:Key"))]


class TestMwaaSecurityGroup:
    """The environment's security group."""

    def test_should_have_the_self_referencing_rule(self, mwaa_stack: Built):
        group = next(
            g for g in mwaa_stack.of_type("aws:ec2/securityGroup:SecurityGroup") if g.name.endswith("-mwaa-sg")
        )
        assert group.inputs["ingress"] == [
            {
                "protocol": "-1",
                "fromPort": 0,
                "toPort": 0,
                "self": True,
                "description": "self-referencing rule MWAA requires",
            }
        ]


def _camel(snake: str) -> str:
    first, *rest = snake.split("_")
    return first + "".join(part.capitalize() for part in rest)
