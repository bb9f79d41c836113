"""Amazon MWAA: the environment, its execution role and security group, and the artifacts it loads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from airflow_settings.render import SecretPrefixes
from infra.config_rules import component_input_error
from infra.config_sections import MwaaConfig
from infra.iam_documents import mwaa_execution_policy, mwaa_trust_policy
from infra.mwaa_rules import (
    LOG_TYPES,
    artifact_problems,
    log_group_name,
    log_retention_problems,
    mwaa_input_problems,
)
from mwaa.layout import ARTIFACT_FILES, ARTIFACT_KEYS, DAGS_PREFIX


@dataclass(frozen=True)
class MwaaArtifactsArgs:
    bucket: pulumi.Input[str]
    """The source (DAGs) bucket from the storage component; versioned."""
    bucket_ready: list[pulumi.Resource]
    """What the uploads wait for (Storage.ready of that bucket): its versioning, SSE-KMS default and
    public-access block. An object written before versioning is on has no version ID for MWAA."""
    kms_key_arn: pulumi.Input[str]
    """The platform key: each object names it, so none is ever stored under SSE-S3."""
    directory: Path
    """Folder with requirements.txt, plugins.zip and startup.sh (built by `make mwaa-artifacts`)."""


class MwaaArtifacts(pulumi.ComponentResource):
    """One aws.s3.BucketObjectv2 per MWAA artifact, SSE-KMS with the platform key, created once the bucket's
    settings exist. Their version IDs feed the environment, so a changed file updates MWAA (the bug
    terraform-aws-mwaa has when it passes only the key)."""

    paths: dict[str, str]
    versions: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: MwaaArtifactsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:mwaa:MwaaArtifacts", name, None, opts)
        if problems := artifact_problems(args.directory):
            raise pulumi.RunError(component_input_error(name, "MwaaArtifacts", problems))
        self.paths, self.versions = {}, {}
        for artifact, key in ARTIFACT_KEYS.items():
            uploaded = aws.s3.BucketObjectv2(
                f"{name}-{artifact}",
                bucket=args.bucket,
                key=key,
                source=pulumi.FileAsset(str(args.directory / ARTIFACT_FILES[artifact])),
                server_side_encryption="aws:kms",
                kms_key_id=args.kms_key_arn,
                bucket_key_enabled=True,
                opts=pulumi.ResourceOptions(parent=self, depends_on=args.bucket_ready),
            )
            self.paths[artifact] = key
            self.versions[artifact] = uploaded.version_id
        self.register_outputs({"paths": self.paths, "versions": self.versions})


@dataclass(frozen=True)
class MwaaEnvironmentArgs:
    environment_name: str
    """Also names the CloudWatch log groups airflow-<name>-*."""
    airflow_version: str
    """Same pin as everywhere else (airflow_settings.versions.AIRFLOW_VERSION)."""
    vpc_id: pulumi.Input[str]
    """VPC of the environment's security group."""
    subnet_ids: list[pulumi.Input[str]]
    """Exactly two private subnets."""
    subnet_zones: list[str]
    """Their zones, which must differ."""
    source_bucket_arn: pulumi.Input[str]
    """The storage component's DAGs bucket."""
    source_bucket_ready: list[pulumi.Resource]
    """What the environment waits for besides its objects (Storage.ready of that bucket): MWAA refuses a
    source bucket whose public-access block does not exist yet ("Provided bucket does not have
    BlockPublicAccess set")."""
    network_ready: list[pulumi.Resource]
    """The private subnets' routes and VPC endpoints (Network.private_egress and private_endpoints): MWAA's
    workers reach SQS, S3, CloudWatch and KMS from their first boot, and an environment whose subnets cannot
    reach them ends CREATE_FAILED."""
    source_bucket_prefix: str
    """The bucket's name prefix; MWAA needs `airflow-`."""
    versioning: bool
    """Whether that bucket is versioned (MWAA requires it)."""
    kms_key_arn: pulumi.Input[str]
    """Customer-managed key for the environment."""
    region: str
    """Region, for the ARNs in the execution policy."""
    account_id: str
    """Account, for the ARNs in the execution policy."""
    mwaa: MwaaConfig
    """The stack's mwaa section: environment class, workers always running and at most, schedulers (within the
    class's limits, mwaa_rules.CLASS_LIMITS) and the web server's access mode (PRIVATE_ONLY).
    https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html"""
    secret_prefixes: SecretPrefixes
    """The secrets backend prefixes the execution role may read under (airflow_settings)."""
    airflow_configuration_options: dict[str, str]
    """From mwaa_rules.mwaa_configuration_options."""
    log_level: str
    """Level of all five log types (mwaa_rules.mwaa_log_level)."""
    log_retention_days: int
    """Days the five CloudWatch log groups keep their events (the stack's storage.logRetentionDays): one of
    mwaa_rules.LOG_RETENTION_DAYS. https://docs.aws.amazon.com/mwaa/latest/userguide/monitoring-airflow.html"""
    artifact_paths: dict[str, str]
    """requirements / plugins / startup -> object key."""
    artifact_versions: dict[str, pulumi.Input[str]]
    """requirements / plugins / startup -> S3 object version ID."""


class MwaaEnvironment(pulumi.ComponentResource):
    """aws.mwaa.Environment with an execution aws.iam.Role (trusted by airflow.amazonaws.com and
    airflow-env.amazonaws.com) and its aws.iam.RolePolicy (iam_documents.mwaa_execution_policy), an
    aws.ec2.SecurityGroup with the self-referencing rule MWAA needs, and the aws.cloudwatch.LogGroup of each log
    type, with its retention and the platform key."""

    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    webserver_url: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: MwaaEnvironmentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:mwaa:MwaaEnvironment", name, None, opts)
        problems = mwaa_input_problems(
            args.mwaa,
            bucket_prefix=args.source_bucket_prefix,
            versioning=args.versioning,
            subnet_zones=args.subnet_zones,
        )
        problems += log_retention_problems(args.log_retention_days)
        if len(args.subnet_ids) != len(args.subnet_zones):
            problems.append("subnet_ids and subnet_zones differ in length; pass one zone per subnet")
        if problems:
            # STYLE 5's ResourceError(msg, self) is the Node SDK's; Python's SDK has none. RunError is reported
            # without a stack trace, so every component names itself at the start of the message instead.
            raise pulumi.RunError(component_input_error(name, "MwaaEnvironment", problems))
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-execution-role",
            assume_role_policy=json.dumps(mwaa_trust_policy()),
            description=f"MWAA execution role of {args.environment_name}",
            opts=child,
        )
        execution_policy = aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=role.id,
            policy=pulumi.Output.all(args.source_bucket_arn, args.kms_key_arn).apply(
                lambda arns: json.dumps(
                    mwaa_execution_policy(
                        environment_name=args.environment_name,
                        source_bucket_arn=arns[0],
                        kms_key_arn=arns[1],
                        secret_prefixes=args.secret_prefixes,
                        region=args.region,
                        account_id=args.account_id,
                    )
                )
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        firewall = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="MWAA: traffic between the environment's own ENIs",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="-1",
                    from_port=0,
                    to_port=0,
                    self=True,
                    description="self-referencing rule MWAA requires",
                )
            ],
            egress=[aws.ec2.SecurityGroupEgressArgs(protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"])],
            opts=child,
        )
        # Created before the environment, which then writes to them instead of creating its own, with no
        # retention: so its logs expire like the task logs of the logs bucket, encrypted with the platform key.
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-{log_type.removesuffix('_logs').replace('_', '-')}-logs",
                name=log_group_name(args.environment_name, log_type),
                retention_in_days=args.log_retention_days,
                kms_key_id=args.kms_key_arn,
                opts=child,
            )
            for log_type in LOG_TYPES
        ]
        environment = aws.mwaa.Environment(
            f"{name}-environment",
            name=args.environment_name,
            airflow_version=args.airflow_version,
            environment_class=args.mwaa.environment_class,
            min_workers=args.mwaa.min_workers,
            max_workers=args.mwaa.max_workers,
            schedulers=args.mwaa.schedulers,
            webserver_access_mode=args.mwaa.webserver_access_mode,
            execution_role_arn=role.arn,
            kms_key=args.kms_key_arn,
            source_bucket_arn=args.source_bucket_arn,
            dag_s3_path=DAGS_PREFIX,
            requirements_s3_path=args.artifact_paths["requirements"],
            requirements_s3_object_version=args.artifact_versions["requirements"],
            plugins_s3_path=args.artifact_paths["plugins"],
            plugins_s3_object_version=args.artifact_versions["plugins"],
            startup_script_s3_path=args.artifact_paths["startup"],
            startup_script_s3_object_version=args.artifact_versions["startup"],
            airflow_configuration_options=args.airflow_configuration_options,
            network_configuration=aws.mwaa.EnvironmentNetworkConfigurationArgs(
                subnet_ids=args.subnet_ids, security_group_ids=[firewall.id]
            ),
            logging_configuration=aws.mwaa.EnvironmentLoggingConfigurationArgs(
                **{log: _log_args(log)(enabled=True, log_level=args.log_level) for log in LOG_TYPES}
            ),
            # The environment names only the role's ARN; without its policy attached first, MWAA finds the
            # role unable to read the source bucket and the creation fails.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[execution_policy, *log_groups, *args.source_bucket_ready, *args.network_ready],
            ),
        )
        self.name = environment.name
        self.arn = environment.arn
        self.webserver_url = environment.webserver_url.apply(lambda host: f"https://{host}")
        self.execution_role_arn = role.arn
        self.register_outputs(
            {
                "name": self.name,
                "arn": self.arn,
                "webserver_url": self.webserver_url,
                "execution_role_arn": self.execution_role_arn,
            }
        )


def _log_args(log_type: str) -> type:
    """The Args class of a log type, e.g. task_logs -> EnvironmentLoggingConfigurationTaskLogsArgs."""
    camel = "".join(part.capitalize() for part in log_type.split("_"))
    return getattr(aws.mwaa, f"EnvironmentLoggingConfiguration{camel}Args")
