"""The program: read the stack config once, validate it, then build the EKS or MWAA platform from components.

`run()` is what `__main__.py` calls; tests call it under Pulumi's mock runtime with `set_all_config`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from airflow_settings import load_settings
from airflow_settings.versions import AIRFLOW_VERSION
from infra.airflow_chart import AirflowChart, AirflowChartArgs
from infra.airflow_secrets import AirflowSecrets, AirflowSecretsArgs
from infra.broker import Broker, BrokerArgs
from infra.cluster import Cluster, ClusterArgs, NodeGroupSpec
from infra.config import CONFIG_NAMESPACE, StackConfig, StackConfigError
from infra.database import DB_NAME, DB_USER, MetadataDatabase, MetadataDatabaseArgs
from infra.encryption import PlatformKey, PlatformKeyArgs
from infra.helm_values import RELEASE_NAME, SERVICE_ACCOUNTS, ChartInputs, DagSource, chart_values
from infra.mwaa import DAGS_PREFIX, MwaaArtifacts, MwaaArtifactsArgs, MwaaEnvironment, MwaaEnvironmentArgs
from infra.mwaa_rules import mwaa_configuration_options, mwaa_log_level
from infra.network import MWAA_INTERFACE_ENDPOINTS, Network, NetworkArgs
from infra.network_plan import plan_subnets
from infra.policies import SECRET_PREFIXES
from infra.registry import ImageRegistry, ImageRegistryArgs
from infra.service_roles import ServiceRoles, ServiceRolesArgs
from infra.storage import Storage, StorageArgs

REPO_ROOT = Path(__file__).resolve().parent.parent


def read_stack_config() -> StackConfig:
    """The one place that reads Pulumi config: every `airflow-aws:*` key (unknown ones are refused)."""
    everything = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    raw = {
        key.split(":", 1)[1]: _decode(value)
        for key, value in everything.items()
        if key.startswith(f"{CONFIG_NAMESPACE}:")
    }
    return StackConfig.from_raw(raw, region=everything.get("aws:region"), stack=pulumi.get_stack())


def _decode(value: Any) -> Any:
    """Structured config arrives JSON-encoded; plain strings stay strings."""
    if isinstance(value, str) and value.startswith(("{", "[")):
        return json.loads(value)
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


def run() -> dict[str, Any]:
    """Validate, build and export. Raises StackConfigError before any resource when the config is wrong."""
    config = read_stack_config()
    # Local and Wavelength Zones (opt-in) host neither RDS, ElastiCache nor MWAA: regular zones only.
    zones = aws.get_availability_zones(
        state="available",
        filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
    ).names[: config.network.az_count]
    if len(zones) < config.network.az_count:
        raise StackConfigError(
            f"{CONFIG_NAMESPACE}:network.azCount: {config.region} has only {len(zones)} "
            f"available zones; fix: set azCount to {len(zones)} or less"
        )
    account_id = aws.get_caller_identity().account_id
    outputs = (_build_eks if config.target == "eks" else _build_mwaa)(config, zones, account_id)
    for name, value in outputs.items():
        pulumi.export(name, value)
    return outputs


def _foundation(config: StackConfig, zones: list[str], account_id: str) -> tuple[PlatformKey, Network, Storage]:
    prefix = config.name_prefix
    key = PlatformKey(
        f"{prefix}-kms",
        PlatformKeyArgs(
            alias=prefix,
            account_id=account_id,
            region=config.region,
            allow_cloudwatch_logs=config.target == "mwaa",
        ),
    )
    network = Network(
        f"{prefix}-net",
        NetworkArgs(
            cidr=config.network.vpc_cidr,
            zones=zones,
            nat_gateway_per_zone=config.network.nat_gateway_per_az,
            region=config.region,
            extra_interface_endpoints=MWAA_INTERFACE_ENDPOINTS if config.target == "mwaa" else (),
        ),
    )
    storage = Storage(
        f"{prefix}-storage",
        StorageArgs(
            name_prefix=prefix,
            kms_key_arn=key.arn,
            log_retention_days=config.storage.log_retention_days,
            versioning=config.storage.versioning,
        ),
    )
    return key, network, storage


def _build_eks(config: StackConfig, zones: list[str], account_id: str) -> dict[str, Any]:
    assert config.dags is not None and config.image is not None  # StackConfig requires both for eks
    prefix = config.name_prefix
    key, network, storage = _foundation(config, zones, account_id)
    private_cidrs = [plan.private_cidr for plan in plan_subnets(config.network.vpc_cidr, zones)]
    database = MetadataDatabase(
        f"{prefix}-metadata",
        MetadataDatabaseArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids,
            allowed_cidrs=private_cidrs,
            kms_key_arn=key.arn,
            secret_name=f"{prefix}/metadata-db",
            instance_class=config.database.instance_class,
            allocated_storage_gb=config.database.allocated_storage_gb,
            max_allocated_storage_gb=config.database.max_allocated_storage_gb,
            multi_az=config.database.multi_az,
            backup_retention_days=config.database.backup_retention_days,
            deletion_protection=config.database.deletion_protection,
        ),
    )
    broker = Broker(
        f"{prefix}-broker",
        BrokerArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids,
            allowed_cidrs=private_cidrs,
            kms_key_arn=key.arn,
            group_id=f"{prefix}-broker",
            secret_name=f"{prefix}/broker",
            engine=config.broker.engine,
            node_type=config.broker.node_type,
            replicas=config.broker.replicas,
        ),
    )
    secrets = AirflowSecrets(f"{prefix}-secrets", AirflowSecretsArgs(name_prefix=prefix, kms_key_arn=key.arn))
    registry = ImageRegistry(
        f"{prefix}-ecr", ImageRegistryArgs(repository_name=f"{prefix}/airflow", kms_key_arn=key.arn)
    )
    cluster = Cluster(
        f"{prefix}-eks",
        ClusterArgs(
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            public_subnet_ids=network.public_subnet_ids,
            version=config.eks.version,
            endpoint_public_access=config.eks.endpoint_public_access,
            public_access_cidrs=config.eks.public_access_cidrs,
            kms_key_arn=key.arn,
            node_groups=[
                NodeGroupSpec(
                    name=group.name,
                    instance_types=group.instance_types,
                    min_size=group.min_size,
                    max_size=group.max_size,
                    desired_size=group.desired_size,
                    disk_size_gb=group.disk_size_gb,
                )
                for group in config.eks.node_groups
            ],
        ),
    )
    roles = ServiceRoles(
        f"{prefix}-irsa",
        ServiceRolesArgs(
            oidc_provider_arn=cluster.oidc_provider_arn,
            oidc_provider_url=cluster.oidc_provider_url,
            namespace=config.chart.namespace,
            service_accounts=SERVICE_ACCOUNTS,
            logs_bucket_arn=storage.logs_bucket.arn,
            kms_key_arn=key.arn,
            region=config.region,
            account_id=account_id,
        ),
    )

    components = list(SERVICE_ACCOUNTS)
    image_repository = config.image.repository or registry.repository_url
    dags, ingress = config.dags, config.ingress

    def values(resolved: list[Any]) -> dict[str, Any]:
        repository, bucket, *arns = resolved
        return chart_values(
            ChartInputs(
                airflow_version=AIRFLOW_VERSION,
                image_repository=repository,
                image_tag=config.image.tag,
                logs_bucket=bucket,
                region=config.region,
                role_arns=dict(zip(components, arns, strict=True)),
                dags=DagSource(
                    source=dags.source,
                    repo=dags.repo,
                    branch=dags.branch,
                    sub_path=dags.sub_path,
                    credentials_secret=dags.credentials_secret,
                ),
                size=config.size,
                ingress_host=ingress.host if ingress.enabled else None,
                ingress_certificate_arn=ingress.certificate_arn,
                ingress_internal=ingress.internal,
            )
        )

    AirflowChart(
        f"{prefix}-airflow",
        AirflowChartArgs(
            kubeconfig=cluster.kubeconfig,
            namespace=config.chart.namespace,
            chart_version=config.chart.version,
            values=pulumi.Output.all(
                image_repository,
                storage.logs_bucket.bucket,
                *[roles.role_arns[component] for component in components],
            ).apply(values),
            db_host=database.address,
            db_port=database.port,
            db_name=DB_NAME,
            db_user=DB_USER,
            db_password=database.password,
            broker_url=broker.url,
            airflow_secrets=secrets.values,
            timeout_seconds=config.chart.timeout_seconds,
        ),
    )

    return {
        "apiUrl": f"https://{ingress.host}"
        if ingress.enabled
        else f"http://localhost:8080 (after `kubectl -n {config.chart.namespace} port-forward "
        f"svc/{RELEASE_NAME}-api-server 8080:8080`)",
        "kubeconfig": cluster.kubeconfig,
        "logsBucket": storage.logs_bucket.bucket,
        "dagsBucket": storage.dags_bucket.bucket,
        "ecrRepositoryUrl": registry.repository_url,
        "secretArns": {"metadata-db": database.secret_arn, "broker": broker.secret_arn, **secrets.arns},
        "connectionsPrefix": secrets.connections_prefix,
        "variablesPrefix": secrets.variables_prefix,
        "kmsKeyArn": key.arn,
    }


def _build_mwaa(config: StackConfig, zones: list[str], account_id: str) -> dict[str, Any]:
    prefix = config.name_prefix
    key, network, storage = _foundation(config, zones, account_id)
    artifacts = MwaaArtifacts(
        f"{prefix}-artifacts",
        MwaaArtifactsArgs(bucket=storage.dags_bucket.id, directory=REPO_ROOT / config.mwaa.artifacts_dir),
    )
    settings = load_settings().for_target("mwaa")
    environment = MwaaEnvironment(
        f"{prefix}-mwaa",
        MwaaEnvironmentArgs(
            environment_name=prefix,
            airflow_version=AIRFLOW_VERSION,
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids[:2],
            subnet_zones=network.zones[:2],
            source_bucket_arn=storage.dags_bucket.arn,
            source_bucket_prefix=prefix,
            versioning=config.storage.versioning,
            kms_key_arn=key.arn,
            region=config.region,
            account_id=account_id,
            environment_class=config.mwaa.environment_class,
            min_workers=config.mwaa.min_workers,
            max_workers=config.mwaa.max_workers,
            schedulers=config.mwaa.schedulers,
            webserver_access_mode=config.mwaa.webserver_access_mode,
            airflow_configuration_options=mwaa_configuration_options(settings),
            log_level=mwaa_log_level(settings),
            artifact_paths=artifacts.paths,
            artifact_versions=artifacts.versions,
        ),
    )
    return {
        "apiUrl": environment.webserver_url,
        "mwaaEnvironmentArn": environment.arn,
        "executionRoleArn": environment.execution_role_arn,
        "logsBucket": storage.logs_bucket.bucket,
        "dagsBucket": storage.dags_bucket.bucket,
        # Where `make deploy-dags` syncs dags/ (the environment's dag_s3_path).
        "dagsS3Uri": storage.dags_bucket.bucket.apply(lambda bucket: f"s3://{bucket}/{DAGS_PREFIX}"),
        "connectionsPrefix": SECRET_PREFIXES[0],
        "variablesPrefix": SECRET_PREFIXES[1],
        "kmsKeyArn": key.arn,
    }
