"""The Celery broker: an ElastiCache Valkey/Redis replication group."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from infra.airflow_secrets import store_secret
from infra.config_sections import BrokerConfig
from infra.network import client_only_firewall

REDIS_PORT = 6379


@dataclass(frozen=True)
class BrokerArgs:
    vpc_id: pulumi.Input[str]
    """VPC of the security group."""
    subnet_ids: list[pulumi.Input[str]]
    """Private subnets for the cache subnet group."""
    client_security_group_id: pulumi.Input[str]
    """The only security group that may open port 6379: the EKS cluster security group, on every node and
    so every pod."""
    kms_key_arn: pulumi.Input[str]
    """Key for at-rest encryption and the URL secret."""
    group_id: str
    """Replication group ID, at most 40 characters, e.g. airflow-dev-broker."""
    secret_name: str
    """Secrets Manager name for the broker URL, e.g. airflow-dev/broker."""
    broker: BrokerConfig
    """The stack's broker section: engine (valkey or redis), cache node type, and read replicas (one or more
    turns on automatic failover and Multi-AZ).
    https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html"""
    disposable: bool = False
    """Destroyed with the stack and created again at once (dev stacks): the credentials secret skips Secrets
    Manager's recovery window. Defaults to false (30 days)."""


def broker_url(host: str, auth_token: str) -> str:
    """Celery broker URL over TLS (`rediss://`) with the AUTH token; certificates are verified."""
    return f"rediss://:{auth_token}@{host}:{REDIS_PORT}/0?ssl_cert_reqs=required"


class Broker(pulumi.ComponentResource):
    """aws.elasticache.ReplicationGroup with transit and at-rest (KMS) encryption and an AUTH token from
    random.RandomPassword, in an aws.elasticache.SubnetGroup behind an aws.ec2.SecurityGroup open on 6379 to the
    client security group only (an aws.vpc.SecurityGroupIngressRule); the broker URL is stored in Secrets
    Manager."""

    secret_arn: pulumi.Output[str]

    def __init__(self, name: str, args: BrokerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:broker:Broker", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # AUTH tokens allow 16-128 printable characters without @, " or /: letters and digits it is.
        token = random.RandomPassword(f"{name}-auth-token", length=64, special=False, opts=child)
        subnets = aws.elasticache.SubnetGroup(
            f"{name}-subnets", subnet_ids=args.subnet_ids, description="Airflow broker", opts=child
        )
        firewall = client_only_firewall(
            name,
            vpc_id=args.vpc_id,
            port=REDIS_PORT,
            service="Redis protocol",
            client_security_group_id=args.client_security_group_id,
            parent=self,
        )
        failover = args.broker.replicas > 0
        group = aws.elasticache.ReplicationGroup(
            f"{name}-redis",
            replication_group_id=args.group_id,
            description="Airflow Celery broker",
            engine=args.broker.engine,
            node_type=args.broker.node_type,
            num_cache_clusters=1 + args.broker.replicas,
            automatic_failover_enabled=failover,
            multi_az_enabled=failover,
            port=REDIS_PORT,
            subnet_group_name=subnets.name,
            security_group_ids=[firewall.id],
            at_rest_encryption_enabled=True,
            kms_key_id=args.kms_key_arn,
            transit_encryption_enabled=True,
            auth_token=token.result,
            auto_minor_version_upgrade=True,
            snapshot_retention_limit=1,
            opts=child,
        )
        url = pulumi.Output.secret(
            pulumi.Output.all(group.primary_endpoint_address, token.result).apply(
                lambda parts: broker_url(parts[0], parts[1])
            )
        )
        secret = store_secret(
            f"{name}-url",
            secret_name=args.secret_name,
            description="Airflow Celery broker URL",
            value=url.apply(lambda text: json.dumps({"url": text})),
            kms_key_arn=args.kms_key_arn,
            parent=self,
            disposable=args.disposable,
        )
        self.secret_arn = secret.arn
        self.register_outputs({"secret_arn": self.secret_arn})
