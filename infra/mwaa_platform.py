"""The MWAA target: the environment, its artifacts in the source bucket, team sign-in policies and alarms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow_settings.render import secret_prefixes
from airflow_settings.teams import roster_config
from airflow_settings.versions import AIRFLOW_VERSION
from infra.alarms import MwaaAlarms, MwaaAlarmsArgs
from infra.config import CONFIG_NAMESPACE, StackConfig, StackConfigError
from infra.foundation import foundation, secret_outputs
from infra.mappings import deep_merge
from infra.mwaa import MwaaArtifacts, MwaaArtifactsArgs, MwaaEnvironment, MwaaEnvironmentArgs
from infra.mwaa_rules import artifact_problems, mwaa_configuration_options, mwaa_log_level
from infra.team_logins import TeamWebLogins, TeamWebLoginsArgs
from mwaa.layout import DAGS_PREFIX

REPO_ROOT = Path(__file__).resolve().parent.parent


def build_mwaa(
    config: StackConfig, airflow: dict[str, dict[str, Any]], zones: list[str], account_id: str
) -> dict[str, Any]:
    prefix = config.name_prefix
    prefixes = secret_prefixes(airflow)
    artifacts_dir = REPO_ROOT / config.mwaa.artifacts_dir
    # Looked for before the first resource: a `pulumi up` stopped by a missing file must leave nothing behind.
    if problems := artifact_problems(artifacts_dir):
        raise StackConfigError("\n".join(f"{CONFIG_NAMESPACE}:{problem}" for problem in problems))
    # The dags bucket is MWAA's source bucket: DAGs, requirements, plugins and the startup script.
    key, network, storage = foundation(config, zones, account_id, buckets=("logs", "dags"))
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
        **secret_outputs(prefixes),
        "kmsKeyArn": key.arn,
    }
