"""The EKS target's platform stage: the cluster and every AWS resource the release needs, and the one output the
workloads stage (`workloads/`) reads."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from airflow_settings.render import secret_prefixes
from airflow_settings.versions import AIRFLOW_VERSION
from infra.airflow_secrets import AirflowSecrets, AirflowSecretsArgs
from infra.broker import REDIS_PORT, Broker, BrokerArgs
from infra.chart_images import (
    DOCKER_HUB_CREDENTIALS_SECRET,
    ecr_registry,
    pull_through_cache_policy,
    used_upstreams,
)
from infra.cluster import SERVICE_CIDR, Cluster, ClusterArgs
from infra.components import SERVICE_ROLES
from infra.config import StackConfig
from infra.database import POSTGRES_PORT, MetadataDatabase, MetadataDatabaseArgs
from infra.foundation import foundation, secret_outputs
from infra.helm_values import RELEASE_NAME, ChartInputs
from infra.image_mirror import ImageMirror, ImageMirrorArgs
from infra.load_balancer_controller import LoadBalancerControllerRole, LoadBalancerControllerRoleArgs
from infra.network_policies import ReleaseNetwork
from infra.presets import disposable
from infra.registry import ImageRegistry, ImageRegistryArgs
from infra.service_roles import ServiceRoles, ServiceRolesArgs
from infra.teams import team_releases, team_scopes, team_secret_outputs, team_service_roles
from infra.workloads_inputs import WORKLOADS_OUTPUT, EcrImage, WorkloadsInputs, as_output


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


def build_eks(
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
    key, network, storage = foundation(config, zones, account_id, buckets=("logs",))
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
        **secret_outputs(prefixes),
        # Where each team stores the connections and variables only its worker set reads (docs/teams.md).
        **({"teamSecretPrefixes": team_secret_outputs(config.teams, prefixes)} if config.teams else {}),
        "kmsKeyArn": key.arn,
        WORKLOADS_OUTPUT: platform.apply(workloads),
    }
