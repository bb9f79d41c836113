"""The program: read the stack config once, validate it, then build the EKS or MWAA platform from components.

`run()` is what `__main__.py` calls; tests call it under Pulumi's mock runtime with `set_all_config`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from airflow_settings import Settings, load_settings
from airflow_settings.render import SecretPrefixes, for_stack, secret_prefixes
from airflow_settings.teams import roster_config
from airflow_settings.versions import AIRFLOW_VERSION
from infra.airflow_secrets import AirflowSecrets, AirflowSecretsArgs
from infra.alarms import MwaaAlarms, MwaaAlarmsArgs
from infra.broker import REDIS_PORT, Broker, BrokerArgs
from infra.chart_images import (
    DOCKER_HUB_CREDENTIALS_SECRET,
    ecr_registry,
    pull_through_cache_policy,
    used_upstreams,
)
from infra.cluster import SERVICE_CIDR, Cluster, ClusterArgs
from infra.components import SERVICE_ROLES
from infra.config import CONFIG_NAMESPACE, StackConfig, StackConfigError
from infra.config_rules import EnvironmentTag, usable_zones, zone_problems
from infra.database import POSTGRES_PORT, MetadataDatabase, MetadataDatabaseArgs
from infra.encryption import AutoscalingRole, PlatformKey, PlatformKeyArgs
from infra.helm_values import RELEASE_NAME, ChartInputs
from infra.iam_documents import AUTOSCALING_SERVICE, AUTOSCALING_SERVICE_ROLE
from infra.image_mirror import ImageMirror, ImageMirrorArgs
from infra.load_balancer_controller import LoadBalancerControllerRole, LoadBalancerControllerRoleArgs
from infra.mappings import deep_merge
from infra.mwaa import MwaaArtifacts, MwaaArtifactsArgs, MwaaEnvironment, MwaaEnvironmentArgs
from infra.mwaa_rules import artifact_problems, mwaa_configuration_options, mwaa_log_level
from infra.network import MWAA_INTERFACE_ENDPOINTS, Network, NetworkArgs
from infra.network_policies import ReleaseNetwork
from infra.presets import disposable
from infra.registry import ImageRegistry, ImageRegistryArgs
from infra.service_roles import ServiceRoles, ServiceRolesArgs
from infra.storage import BucketRole, Storage, StorageArgs
from infra.team_logins import TeamWebLogins, TeamWebLoginsArgs
from infra.teams import team_releases, team_scopes, team_secret_outputs, team_service_roles
from infra.workloads_inputs import WORKLOADS_OUTPUT, EcrImage, WorkloadsInputs, as_output
from mwaa.layout import DAGS_PREFIX
from policy.airflow_aws_policies import ENVIRONMENT_TAG, PRODUCTION_ENVIRONMENTS

REPO_ROOT = Path(__file__).resolve().parent.parent


def read_stack_config(settings: Settings) -> StackConfig:
    """The one place that reads Pulumi config: every `airflow-aws:*` key (unknown ones are refused)."""
    everything = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return stack_config_from(everything, stack=pulumi.get_stack(), settings=settings)


def stack_config_from(config: Mapping[str, Any], *, stack: str, settings: Settings) -> StackConfig:
    """The stack's typed config from its whole Pulumi config (`namespace:key` -> value, structured values
    JSON-encoded as the engine hands them over): our `airflow-aws:*` keys, `aws:region`, and the tag of
    `aws:defaultTags` the policy pack picks its production rules by."""
    raw = {
        key.split(":", 1)[1]: _decode(value) for key, value in config.items() if key.startswith(f"{CONFIG_NAMESPACE}:")
    }
    tag = ((_decode(config.get("aws:defaultTags")) or {}).get("tags") or {}).get(ENVIRONMENT_TAG)
    return StackConfig.from_raw(
        raw,
        region=config.get("aws:region"),
        stack=stack,
        settings=settings,
        environment_tag=EnvironmentTag(
            name=ENVIRONMENT_TAG,
            value=tag,
            production=tag is None or tag.lower() in PRODUCTION_ENVIRONMENTS,
        ),
    )


def _decode(value: Any) -> Any:
    """Structured config arrives JSON-encoded; plain strings stay strings."""
    if isinstance(value, str) and value.startswith(("{", "[")):
        return json.loads(value)
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


def run() -> dict[str, Any]:
    """Validate, build and export. Raises StackConfigError before any resource when the config is wrong."""
    settings = load_settings()
    config = read_stack_config(settings)
    # Local and Wavelength Zones (opt-in) host neither RDS, ElastiCache nor MWAA: regular zones only.
    available = aws.get_availability_zones(
        state="available",
        filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
    )
    # EKS places no control plane in a few zones (config_rules.EKS_REFUSED_ZONE_IDS): eks stacks skip them.
    zones = usable_zones(available.names, available.zone_ids, target=config.target)
    if problems := zone_problems(zones, config.network, config.region):
        raise StackConfigError("\n".join(f"{CONFIG_NAMESPACE}:{problem}" for problem in problems))
    account_id = aws.get_caller_identity().account_id
    airflow = for_stack(settings.for_target(config.target), config.name_prefix)
    build = _build_eks if config.target == "eks" else _build_mwaa
    outputs = build(config, airflow, zones, account_id)
    for name, value in outputs.items():
        pulumi.export(name, value)
    return outputs


def _foundation(
    config: StackConfig, zones: list[str], account_id: str, buckets: tuple[BucketRole, ...]
) -> tuple[PlatformKey, Network, Storage]:
    prefix = config.name_prefix
    key = PlatformKey(
        f"{prefix}-kms",
        PlatformKeyArgs(
            alias=prefix,
            account_id=account_id,
            region=config.region,
            allow_cloudwatch_logs=config.target == "mwaa",
            # EKS node groups launch through Auto Scaling with volumes the key encrypts.
            autoscaling_role=_autoscaling_role() if config.target == "eks" else "none",
        ),
    )
    network = Network(
        f"{prefix}-net",
        NetworkArgs(
            network=config.network,
            zones=zones,
            region=config.region,
            extra_interface_endpoints=MWAA_INTERFACE_ENDPOINTS if config.target == "mwaa" else (),
        ),
    )
    storage = Storage(
        f"{prefix}-storage",
        StorageArgs(
            name_prefix=prefix,
            kms_key_arn=key.arn,
            storage=config.storage,
            buckets=buckets,
            force_destroy=disposable(config.size),
        ),
    )
    return key, network, storage


def _autoscaling_role() -> AutoscalingRole:
    """Whether the account already has EC2 Auto Scaling's service-linked role, which the key policy names: the
    lookup answers an empty list, not an error, when it does not."""
    existing = aws.iam.get_roles(
        path_prefix=f"/aws-service-role/{AUTOSCALING_SERVICE}/", name_regex=f"^{AUTOSCALING_SERVICE_ROLE}$"
    )
    return "existing" if existing.arns else "create"


def _docker_hub_credentials(region: str) -> str:
    """The ARN of the Docker Hub credentials ECR's pull-through cache signs in with (the chart's pgbouncer images
    come from Docker Hub, which ECR caches only with credentials). The operator creates the secret once per account
    and region, so it is never in git or in Pulumi state; without it the stack is refused before any resource."""
    found = aws.secretsmanager.get_secrets(
        filters=[aws.secretsmanager.GetSecretsFilterArgs(name="name", values=[DOCKER_HUB_CREDENTIALS_SECRET])]
    )
    # The name filter matches prefixes: only the exact name counts.
    arns = [arn for arn, name in zip(found.arns, found.names, strict=True) if name == DOCKER_HUB_CREDENTIALS_SECRET]
    if not arns:
        raise pulumi.RunError(
            f"Secrets Manager in {region} has no secret {DOCKER_HUB_CREDENTIALS_SECRET}: ECR's pull-through cache "
            "needs it to serve the chart's Docker Hub images (pgbouncer); fix: create it once per account and region "
            f"with a Docker Hub access token, `aws secretsmanager create-secret --region {region} --name "
            f"{DOCKER_HUB_CREDENTIALS_SECRET} --secret-string file://docker-hub.json` with docker-hub.json "
            '{"username": "<Docker Hub user>", "accessToken": "<access token>"} (docs/first-deploy.md)'
        )
    return arns[0]


def _secret_outputs(prefixes: SecretPrefixes) -> dict[str, str]:
    """Where operators store connections and variables for the stack's secrets backend."""
    return {"connectionsPrefix": prefixes.connections, "variablesPrefix": prefixes.variables}


def _build_eks(
    config: StackConfig, airflow: dict[str, dict[str, Any]], zones: list[str], account_id: str
) -> dict[str, Any]:
    assert config.dags is not None and config.image is not None  # StackConfig requires both for eks
    prefix = config.name_prefix
    prefixes = secret_prefixes(airflow)
    docker_hub_credentials = _docker_hub_credentials(config.region)
    # Read at each `pulumi up`, so the NetworkPolicies follow S3's addresses when the platform stage runs again.
    s3_prefix_list = aws.ec2.get_managed_prefix_list(name=f"com.amazonaws.{config.region}.s3")
    registry_url = ecr_registry(account_id, config.region)
    # The controller that makes the Ingress an ALB runs only with an ingress.
    upstreams = used_upstreams(load_balancer_controller=config.ingress.enabled)
    # dev stacks are destroyed with their data and created again under the same names.
    recreatable = disposable(config.size)
    # EKS reads DAGs from git, so only the logs bucket.
    key, network, storage = _foundation(config, zones, account_id, buckets=("logs",))
    logs_bucket = storage.buckets["logs"]
    cluster = Cluster(
        f"{prefix}-eks",
        ClusterArgs(
            cluster_name=prefix,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            public_subnet_ids=network.public_subnet_ids,
            eks=config.eks,
            kms_key_arn=key.arn,
            node_policy=pull_through_cache_policy(f"arn:aws:ecr:{config.region}:{account_id}:repository", upstreams),
            node_prerequisites=network.private_egress,
        ),
    )
    ImageMirror(f"{prefix}-mirror", ImageMirrorArgs(upstreams=upstreams, docker_hub_secret_arn=docker_hub_credentials))
    # The controller runs in the workloads stage; its role is an AWS resource.
    controller_role_arn = (
        LoadBalancerControllerRole(
            f"{prefix}-lbc",
            LoadBalancerControllerRoleArgs(
                oidc_provider_arn=cluster.oidc_provider_arn, oidc_provider_url=cluster.oidc_provider_url
            ),
        ).role_arn
        if config.ingress.enabled
        else None
    )
    database = MetadataDatabase(
        f"{prefix}-metadata",
        MetadataDatabaseArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids,
            client_security_group_id=cluster.security_group_id,
            kms_key_arn=key.arn,
            secret_name=f"{prefix}/metadata-db",
            database=config.database,
            disposable=recreatable,
        ),
    )
    broker = Broker(
        f"{prefix}-broker",
        BrokerArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids,
            client_security_group_id=cluster.security_group_id,
            kms_key_arn=key.arn,
            group_id=f"{prefix}-broker",
            secret_name=f"{prefix}/broker",
            broker=config.broker,
            disposable=recreatable,
        ),
    )
    secrets = AirflowSecrets(
        f"{prefix}-secrets",
        AirflowSecretsArgs(name_prefix=prefix, kms_key_arn=key.arn, disposable=recreatable),
    )
    registry_name = f"{prefix}/airflow"
    registry = ImageRegistry(
        f"{prefix}-ecr",
        ImageRegistryArgs(repository_name=registry_name, kms_key_arn=key.arn, disposable=recreatable),
    )
    roles = ServiceRoles(
        f"{prefix}-irsa",
        ServiceRolesArgs(
            oidc_provider_arn=cluster.oidc_provider_arn,
            oidc_provider_url=cluster.oidc_provider_url,
            namespace=config.chart.namespace,
            roles={**SERVICE_ROLES, **team_service_roles(config.teams)},
            logs_bucket_arn=logs_bucket.arn,
            kms_key_arn=key.arn,
            secret_prefixes=prefixes,
            region=config.region,
            account_id=account_id,
            scopes=team_scopes(config.teams, prefixes),
        ),
    )

    components = list(SERVICE_ROLES)
    # The stack's own repository unless image.repository names another registry; `make image-push` pushes here.
    image_repository = config.image.repository or registry.repository_url
    secret_arns = {"metadata-db": database.secret_arn, "broker": broker.secret_arn, **secrets.arns}
    # Everything the workloads stage reads, resolved only once each piece exists: the node groups above all,
    # so a platform whose nodes failed exports no workloads output and the workloads stage refuses to start.
    platform = pulumi.Output.from_input(
        {
            "repository": image_repository,
            "logs_bucket": logs_bucket.bucket,
            "vpc_id": network.vpc_id,
            "public_subnet_ids": network.public_subnet_ids,
            "node_groups": cluster.node_groups,
            "controller_role_arn": controller_role_arn,
            "role_arns": {component: roles.role_arns[component] for component in components},
            "team_role_arns": {key: roles.role_arns[key] for key in team_service_roles(config.teams)},
            "secret_arns": secret_arns,
        }
    )

    def workloads(resolved: dict[str, Any]) -> dict[str, Any]:
        return as_output(
            WorkloadsInputs(
                name_prefix=prefix,
                cluster_name=prefix,
                vpc_id=resolved["vpc_id"],
                node_groups=tuple(resolved["node_groups"]),
                chart=config.chart,
                chart_inputs=ChartInputs(
                    airflow_version=AIRFLOW_VERSION,
                    image_repository=resolved["repository"],
                    image_tag=config.image.tag,
                    logs_bucket=resolved["logs_bucket"],
                    region=config.region,
                    role_arns=resolved["role_arns"],
                    settings=airflow,
                    dags=config.dags,
                    ingress=config.ingress,
                    registry=registry_url,
                    network=ReleaseNetwork(
                        namespace=config.chart.namespace,
                        vpc_cidr=config.network.vpc_cidr,
                        private_subnet_cidrs=tuple(network.private_subnet_cidrs),
                        load_balancer_subnet_ids=tuple(resolved["public_subnet_ids"]),
                        load_balancer_cidrs=tuple(network.public_subnet_cidrs),
                        s3_cidrs=tuple(entry.cidr for entry in s3_prefix_list.entries),
                        service_cidr=SERVICE_CIDR,
                        database_port=POSTGRES_PORT,
                        broker_port=REDIS_PORT,
                    ),
                    size=config.size,
                    pod_launching=config.chart.pod_launching,
                    teams=team_releases(config.teams, resolved["team_role_arns"], prefixes),
                ),
                ecr_image=None
                if config.image.repository
                else EcrImage(registry_id=account_id, repository_name=registry_name),
                secret_arns=resolved["secret_arns"],
                load_balancer_controller_role_arn=resolved["controller_role_arn"],
                observability=config.observability,
            )
        )

    ingress = config.ingress
    return {
        "apiUrl": f"https://{ingress.host}"
        if ingress.enabled
        else f"http://localhost:8080 (after `kubectl -n {config.chart.namespace} port-forward "
        f"svc/{RELEASE_NAME}-api-server 8080:8080`)",
        "kubeconfig": cluster.kubeconfig,
        "clusterName": prefix,
        "region": config.region,
        "logsBucket": logs_bucket.bucket,
        "ecrRepositoryUrl": registry.repository_url,
        # Where `make image-push` pushes the image the workloads stage pins (repository:tag).
        "imageUri": pulumi.Output.format("{0}:{1}", image_repository, config.image.tag),
        "secretArns": secret_arns,
        **_secret_outputs(prefixes),
        # Where each team stores the connections and variables only its worker set reads (docs/teams.md).
        **({"teamSecretPrefixes": team_secret_outputs(config.teams, prefixes)} if config.teams else {}),
        "kmsKeyArn": key.arn,
        WORKLOADS_OUTPUT: platform.apply(workloads),
    }


def _build_mwaa(
    config: StackConfig, airflow: dict[str, dict[str, Any]], zones: list[str], account_id: str
) -> dict[str, Any]:
    prefix = config.name_prefix
    prefixes = secret_prefixes(airflow)
    artifacts_dir = REPO_ROOT / config.mwaa.artifacts_dir
    # Looked for before the first resource: a `pulumi up` stopped by a missing file must leave nothing behind.
    if problems := artifact_problems(artifacts_dir):
        raise StackConfigError("\n".join(f"{CONFIG_NAMESPACE}:{problem}" for problem in problems))
    # The dags bucket is MWAA's source bucket: DAGs, requirements, plugins and the startup script.
    key, network, storage = _foundation(config, zones, account_id, buckets=("logs", "dags"))
    source_bucket = storage.buckets["dags"]
    artifacts = MwaaArtifacts(
        f"{prefix}-artifacts",
        MwaaArtifactsArgs(
            bucket=source_bucket.id,
            bucket_ready=storage.ready["dags"],
            kms_key_arn=key.arn,
            directory=artifacts_dir,
        ),
    )
    environment = MwaaEnvironment(
        f"{prefix}-mwaa",
        MwaaEnvironmentArgs(
            environment_name=prefix,
            airflow_version=AIRFLOW_VERSION,
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids[:2],
            subnet_zones=network.zones[:2],
            source_bucket_arn=source_bucket.arn,
            source_bucket_ready=storage.ready["dags"],
            network_ready=[*network.private_egress, *network.private_endpoints],
            source_bucket_prefix=prefix,
            versioning=config.storage.versioning,
            kms_key_arn=key.arn,
            region=config.region,
            account_id=account_id,
            mwaa=config.mwaa,
            secret_prefixes=prefixes,
            # The roster, for the cluster policy in plugins.zip that gives each DAG its team's access.
            airflow_configuration_options=mwaa_configuration_options(
                deep_merge(airflow, roster_config([entry.team() for entry in config.teams]))
            ),
            log_level=mwaa_log_level(airflow),
            log_retention_days=config.storage.log_retention_days,
            artifact_paths=artifacts.paths,
            artifact_versions=artifacts.versions,
        ),
    )
    # MWAA maps an IAM principal to an Airflow role at sign-in: a policy per team to attach to its members.
    logins = {}
    if config.teams:
        logins["teamWebLoginPolicyArns"] = TeamWebLogins(
            f"{prefix}-team-logins",
            TeamWebLoginsArgs(environment_name=prefix, teams=config.teams, region=config.region, account_id=account_id),
        ).policy_arns
    # Named after the environment's output, so created once it exists: its metrics start with it, and the heartbeat
    # alarm (missing data breaching) would fire through the half hour MWAA takes to create it.
    alarms = MwaaAlarms(
        f"{prefix}-alarms",
        MwaaAlarmsArgs(
            environment_name=environment.name,
            account_id=account_id,
            region=config.region,
            email_endpoints=tuple(config.observability.alert_emails),
        ),
    )
    return {
        "apiUrl": environment.webserver_url,
        "mwaaEnvironmentArn": environment.arn,
        **logins,
        "executionRoleArn": environment.execution_role_arn,
        "logsBucket": storage.buckets["logs"].bucket,
        "dagsBucket": source_bucket.bucket,
        # Where `make deploy-dags` syncs dags/ (the environment's dag_s3_path).
        "dagsS3Uri": source_bucket.bucket.apply(lambda bucket: f"s3://{bucket}/{DAGS_PREFIX}"),
        # What the alarms notify: subscribe a pager or chat integration here (observability.alertEmails mails).
        "alertsTopicArn": alarms.topic_arn,
        **_secret_outputs(prefixes),
        "kmsKeyArn": key.arn,
    }
