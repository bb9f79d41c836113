"""The Airflow metadata database: RDS for PostgreSQL 16."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from infra.airflow_secrets import store_secret
from infra.config_rules import component_input_error
from infra.config_sections import DatabaseConfig
from infra.database_rules import database_problems
from infra.network import client_only_firewall

POSTGRES_PORT = 5432
ENGINE_VERSION = "16"
DB_NAME = "airflow"
DB_USER = "airflow"


@dataclass(frozen=True)
class MetadataDatabaseArgs:
    vpc_id: pulumi.Input[str]
    """VPC of the security group."""
    subnet_ids: list[pulumi.Input[str]]
    """Private subnets in two or more zones for the DB subnet group."""
    client_security_group_id: pulumi.Input[str]
    """The only security group that may open port 5432: the EKS cluster security group, on every node and
    so every pod."""
    kms_key_arn: pulumi.Input[str]
    """Key for storage encryption and the credentials secret."""
    secret_name: str
    """Secrets Manager name of the credentials secret, e.g. airflow-dev/metadata-db."""
    database: DatabaseConfig
    """The stack's database section: instance class, gp3 storage and its autoscaling ceiling (at least the
    allocated storage), Multi-AZ standby, automated backups (retention 1 to 35 days, their window clear of the
    maintenance window, kept or not after a deletion), tags copied to snapshots and deletion protection, which
    also decides the final snapshot: protected databases keep one when finally deleted.
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.html"""
    disposable: bool = False
    """Destroyed with the stack and created again at once (dev stacks): the credentials secret skips Secrets
    Manager's recovery window. Defaults to false (30 days)."""


class MetadataDatabase(pulumi.ComponentResource):
    """aws.rds.Instance (PostgreSQL 16, private, KMS-encrypted, automated backups with point-in-time restore) in
    an aws.rds.SubnetGroup, behind an aws.ec2.SecurityGroup open on 5432 to the client security group only (an
    aws.vpc.SecurityGroupIngressRule), with an aws.rds.ParameterGroup forcing SSL. The master password comes from
    random.RandomPassword and is stored, with the endpoint, in Secrets Manager."""

    secret_arn: pulumi.Output[str]

    def __init__(self, name: str, args: MetadataDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:database:MetadataDatabase", name, None, opts)
        if problems := database_problems(args.database):
            raise pulumi.RunError(component_input_error(name, "MetadataDatabase", problems))
        db = args.database
        child = pulumi.ResourceOptions(parent=self)
        # Letters and digits only: the password is embedded in connection URLs and pgbouncer's users.txt.
        password = random.RandomPassword(f"{name}-password", length=40, special=False, opts=child)
        subnets = aws.rds.SubnetGroup(f"{name}-subnets", subnet_ids=args.subnet_ids, opts=child)
        firewall = client_only_firewall(
            name,
            vpc_id=args.vpc_id,
            port=POSTGRES_PORT,
            service="PostgreSQL",
            client_security_group_id=args.client_security_group_id,
            parent=self,
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            family=f"postgres{ENGINE_VERSION}",
            description="Airflow metadata DB: TLS required",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1", apply_method="pending-reboot")
            ],
            opts=child,
        )
        instance = aws.rds.Instance(
            f"{name}-db",
            engine="postgres",
            engine_version=ENGINE_VERSION,
            instance_class=db.instance_class,
            allocated_storage=db.allocated_storage_gb,
            max_allocated_storage=db.max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_name=DB_NAME,
            username=DB_USER,
            password=password.result,
            port=POSTGRES_PORT,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[firewall.id],
            parameter_group_name=parameters.name,
            publicly_accessible=False,
            multi_az=db.multi_az,
            # Automated backups, and so point-in-time restore (docs/runbooks/backup-restore.md).
            backup_retention_period=db.backup_retention_days,
            backup_window=db.backup_window,
            maintenance_window=db.maintenance_window,
            delete_automated_backups=db.delete_automated_backups,
            copy_tags_to_snapshot=db.copy_tags_to_snapshot,
            deletion_protection=db.deletion_protection,
            skip_final_snapshot=not db.deletion_protection,
            final_snapshot_identifier=f"{name}-final" if db.deletion_protection else None,
            # Lets operators log in with short-lived IAM tokens (rds-db:connect) instead of sharing the
            # generated master password; Airflow keeps using the password from Secrets Manager.
            iam_database_authentication_enabled=True,
            auto_minor_version_upgrade=True,
            enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
            opts=child,
        )
        secret = store_secret(
            f"{name}-credentials",
            secret_name=args.secret_name,
            description="Airflow metadata DB master credentials",
            value=pulumi.Output.all(instance.address, password.result).apply(
                lambda parts: json.dumps(
                    {
                        "engine": "postgres",
                        "host": parts[0],
                        "port": POSTGRES_PORT,
                        "dbname": DB_NAME,
                        "username": DB_USER,
                        "password": parts[1],
                    }
                )
            ),
            kms_key_arn=args.kms_key_arn,
            parent=self,
            disposable=args.disposable,
        )

        self.secret_arn = secret.arn
        self.register_outputs({"secret_arn": self.secret_arn})
