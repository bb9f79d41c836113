"""The official chart's values: committed `helm_values/*.yaml` merged with an overlay computed from the infra.

Pure (no pulumi import), so tests/helm/ and the config-drift test call `chart_values(...)` directly:

    values = chart_values(ChartInputs(...))           # what helm.v3.Release receives

Precedence, lowest first: `helm_values/base.yaml`, `helm_values/<size>.yaml`, then the overlay. The overlay
owns every key it sets; a committed file that sets one of them is refused, so a reviewer never
edits a value that the infra silently replaces. The chart's `config:` comes only from the Airflow settings the
inputs carry (airflow_settings, target "eks") plus the infra wiring keys in `infra_wiring_config`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from airflow_settings.git_bundle import git_connection_env, git_dag_bundle
from airflow_settings.render import as_helm_config, connection_env_name, secret_prefixes
from infra.chart_facts import CHART_PORTS
from infra.chart_facts import RELEASE_NAME as RELEASE_NAME  # re-exported: the program names the release from here
from infra.chart_images import chart_image_values
from infra.components import PDB_COMPONENTS, SERVICE_ACCOUNTS
from infra.config_rules import dags_problems, ingress_problems
from infra.config_sections import DagsConfig, IngressConfig
from infra.mappings import deep_merge
from infra.network_policies import POD_LAUNCHERS, ReleaseNetwork, api_server_ingress_peers
from infra.team_values import TEAMS_SYNC, teams_overlay
from infra.teams import TeamRelease
from observability.statsd import extra_mappings

HELM_VALUES_DIR = Path(__file__).resolve().parent.parent / "helm_values"

SECRET_NAMES = {
    "metadata": "airflow-metadata",
    "result-backend": "airflow-result-backend",
    "broker": "airflow-broker-url",
    "fernet-key": "airflow-fernet-key",
    "jwt-secret": "airflow-jwt-secret",
    "api-secret-key": "airflow-api-secret-key",
    "admin-password": "airflow-admin-password",
    "pgbouncer-config": "airflow-pgbouncer-config",
    "pgbouncer-stats": "airflow-pgbouncer-stats",
}
"""Kubernetes Secrets the stack creates before the release, by role."""

KEDA_NAMESPACE = "keda"
"""Namespace of the KEDA operator the stack installs beside the release."""

TASK_LOGS_CONN_ID = "aws_task_logs"
"""Connection the S3 task handler uses. Defined with no keys, so boto3 falls back to the pod's IRSA web
identity; a dedicated id (not aws_default) means a task connection named aws_default can never redirect logs."""

# Pod Security Standard "restricted": non-root, no privilege escalation, no capabilities, default seccomp.
RESTRICTED_POD = {
    "runAsNonRoot": True,
    "runAsUser": 50000,
    "runAsGroup": 0,
    "fsGroup": 0,
    "seccompProfile": {"type": "RuntimeDefault"},
}
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
# pgbouncer and statsd images run as `nobody`.
RESTRICTED_NOBODY_POD = {**RESTRICTED_POD, "runAsUser": 65534, "runAsGroup": 65534, "fsGroup": 65534}

GIT_SYNC_RESOURCES = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}
"""The git-sync sidecar and init container in each pod that carries them: a shallow fetch every few seconds.
Set here, not in helm_values/, because `dags.gitSync` exists only for the git-sync DAG source."""


class ValuesError(ValueError):
    """A committed values file is unreadable or sets a key the overlay owns, or the chart inputs break a rule."""


@dataclass(frozen=True)
class ChartInputs:
    """Everything the overlay needs from the infra, as plain values (Pulumi resolves Outputs first)."""

    airflow_version: str
    """Chart airflowVersion and defaultAirflowTag (airflow_settings.versions)."""
    image_repository: str
    """Airflow image repository (the stack's ECR repository by default)."""
    image_tag: str
    """Immutable image tag."""
    logs_bucket: str
    """Bucket name for remote task logs."""
    region: str
    """AWS region, for boto3 in every pod."""
    role_arns: Mapping[str, str]
    """Chart component (values key) -> IRSA role ARN, one per components.SERVICE_ACCOUNTS entry."""
    settings: Mapping[str, Mapping[str, Any]]
    """The Airflow settings of the eks target (`load_settings().for_target("eks")`): the chart's `config:`,
    and the secrets backend a git bundle's private connection lives in."""
    dags: DagsConfig
    """Where DAGs come from: the stack's dags section. Note: a git-bundle takes no credentials_secret."""
    ingress: IngressConfig
    """The stack's ingress section; no ingress unless enabled, and then host and certificate are required."""
    registry: str
    """The stack's ECR registry, <account>.dkr.ecr.<region>.amazonaws.com (chart_images.ecr_registry): its
    pull-through cache serves every image the chart runs besides ours (image_mirror.ImageMirror)."""
    network: ReleaseNetwork
    """The namespace, CIDRs and ports the release's NetworkPolicies name (network_policies.py)."""
    size: str = "dev"
    """Size preset; picks helm_values/<size>.yaml when present."""
    pod_launching: bool = False
    """The chart section's podLaunching: workers and the triggerer may create, exec into and delete pods of the
    namespace (KubernetesPodOperator). Defaults to false: no pod rights at all."""
    image_digest: str | None = None
    """The pushed image's manifest digest (sha256:…), which pins every pod to exactly the image the tag named
    at deploy time (the chart: "Specifying digest takes precedence over tag"). Defaults to none (the tag alone)."""
    teams: tuple[TeamRelease, ...] = ()
    """The stack's teams (infra/teams.py), each with its worker set and IRSA role (team_values.py). Defaults to
    none: one worker set for every task."""


def chart_values(inputs: ChartInputs, values_dir: Path = HELM_VALUES_DIR) -> dict[str, Any]:
    """The final values for the chart: committed files for the size, then the infra overlay on top."""
    committed: dict[str, Any] = {}
    for path in committed_files(inputs.size, values_dir):
        committed = deep_merge(committed, _read(path))
    overlay = infra_overlay(inputs)
    clashes = sorted(set(_leaf_paths(committed)) & set(_leaf_paths(overlay)))
    if clashes:
        raise ValuesError(
            f"{values_dir}: committed values set keys the infra overlay owns: {clashes}. "
            "Fix: remove them from helm_values/ (the overlay computes them from the stack)."
        )
    return deep_merge(committed, overlay)


def committed_files(size: str, values_dir: Path = HELM_VALUES_DIR) -> list[Path]:
    """base.yaml, then <size>.yaml when it exists."""
    return [path for path in (values_dir / "base.yaml", values_dir / f"{size}.yaml") if path.exists()]


def infra_wiring_config(inputs: ChartInputs) -> dict[str, dict[str, str]]:
    """Config keys that are infrastructure wiring, not settings: where remote logs go."""
    return {
        "logging": {
            "remote_logging": "True",
            "remote_base_log_folder": f"s3://{inputs.logs_bucket}/logs",
            "remote_log_conn_id": TASK_LOGS_CONN_ID,
        }
    }


def task_logs_connection(region: str) -> str:
    """The S3 task handler's connection: type and region only, so boto3 signs with the pod's IRSA role."""
    return json.dumps({"conn_type": "aws", "extra": {"region_name": region}})


def infra_overlay(inputs: ChartInputs) -> dict[str, Any]:
    """Values computed from the infra: secrets, IRSA, logging, DAGs, image, scaling and hardening."""
    connections = secret_prefixes(inputs.settings).connections
    problems = [*dags_problems(inputs.dags, connections_prefix=connections), *ingress_problems(inputs.ingress)]
    if problems:
        raise ValuesError("chart inputs are invalid:\n  " + "\n  ".join(problems))
    config = deep_merge(as_helm_config(inputs.settings), infra_wiring_config(inputs))
    overlay: dict[str, Any] = {
        "airflowVersion": inputs.airflow_version,
        "defaultAirflowTag": inputs.airflow_version,
        "images": {
            "airflow": {
                "repository": inputs.image_repository,
                "tag": inputs.image_tag,
                **({"digest": inputs.image_digest} if inputs.image_digest else {}),
            },
            **chart_image_values(inputs.registry),
        },
        # Pinned, so that the NetworkPolicies beside the release (network_policies.py) name the same ports.
        "ports": CHART_PORTS,
        "executor": config["core"]["executor"],
        "config": config,
        "data": {
            "metadataSecretName": SECRET_NAMES["metadata"],
            "resultBackendSecretName": SECRET_NAMES["result-backend"],
            "brokerUrlSecretName": SECRET_NAMES["broker"],
        },
        "fernetKeySecretName": SECRET_NAMES["fernet-key"],
        "jwtSecretName": SECRET_NAMES["jwt-secret"],
        "apiSecretKeySecretName": SECRET_NAMES["api-secret-key"],
        "env": [
            {"name": "AWS_DEFAULT_REGION", "value": inputs.region},
            {"name": connection_env_name(TASK_LOGS_CONN_ID), "value": task_logs_connection(inputs.region)},
        ],
        # The data stores live in AWS; the chart's bundled ones stay off.
        "postgresql": {"enabled": False},
        "redis": {"enabled": False},
        "pgbouncer": {
            "enabled": True,
            "configSecretName": SECRET_NAMES["pgbouncer-config"],
            "metricsExporterSidecar": {
                "statsSecretName": SECRET_NAMES["pgbouncer-stats"],
                "securityContexts": {"container": RESTRICTED_CONTAINER},
            },
            "securityContexts": {"pod": RESTRICTED_NOBODY_POD, "container": RESTRICTED_CONTAINER},
        },
        "statsd": {
            "securityContexts": {"pod": RESTRICTED_NOBODY_POD, "container": RESTRICTED_CONTAINER},
            # Our mappings after the chart's (observability/statsd/extra-mappings.yaml): the names and labels the
            # alert rules and the dashboard query, the same on every target.
            "extraMappings": extra_mappings(),
        },
        # Migrations run as a plain Job, not a post-install hook: with `wait`/atomic installs a hook would
        # wait for pods that wait for the migration (the chart's documented deadlock). Its name changes with its
        # manifest (job_names.py, the release's post-renderer), so it is kept, with its logs, until an upgrade
        # changes it: no TTL, which would only make Helm create it again, and run it again, at the next upgrade.
        "migrateDatabaseJob": {
            "useHelmHooks": False,
            "applyCustomEnv": False,
            "ttlSecondsAfterFinished": None,
        },
        "createUserJob": _create_user_job(inputs.network.namespace, sync_teams=bool(inputs.teams)),
        # `airflow db clean` on the chart's schedule (helm_values/base.yaml), with the platform's one retention
        # (airflow_settings db_clean.retention_days), archiving nothing, as the maintenance DAG does elsewhere.
        "databaseCleanup": {
            "enabled": True,
            "retentionDays": int(inputs.settings["db_clean"]["retention_days"]),
            "skipArchive": True,
            "applyCustomEnv": False,
        },
        "securityContexts": {"pod": RESTRICTED_POD, "containers": RESTRICTED_CONTAINER},
        "networkPolicies": {"enabled": True},
        # Left empty, the chart's api-server policy admits nobody: not the ALB, not the Execution API's clients.
        "apiServer": {
            "networkPolicy": {
                "ingress": {"from": api_server_ingress_peers(inputs.network, ingress_enabled=inputs.ingress.enabled)}
            },
            # Task logs come from S3 and the workers' log servers, never from the pods API.
            "allowPodLogReading": False,
        },
        "webserver": {"allowPodLogReading": False},
        # The pod-launcher Role (create, exec, delete pods), bound to the workers and triggerer: only when asked.
        "allowPodLaunching": inputs.pod_launching,
        # No PersistentVolumeClaims: task logs live in S3, and the cluster runs no EBS CSI driver (EKS has
        # provisioned EBS volumes only through it since 1.23), so a claim would stay Pending and the release
        # would time out. The chart claims 100Gi for the triggerer and for Celery workers unless told not to.
        "triggerer": {"persistence": {"enabled": False}},
        "workers": {
            "celery": {
                "persistence": {"enabled": False},
                "keda": {
                    "enabled": True,
                    "usePgbouncer": True,
                    # The chart's pgbouncer NetworkPolicy admits the KEDA operator from this namespace only;
                    # left empty it looks in the release's namespace and KEDA cannot query the queue depth.
                    "namespaceLabels": {"kubernetes.io/metadata.name": KEDA_NAMESPACE},
                },
            },
        },
    }
    for component, account in SERVICE_ACCOUNTS.items():
        service_account = {
            "create": True,
            "name": account,
            "annotations": {"eks.amazonaws.com/role-arn": inputs.role_arns[component]},
        }
        overlay = deep_merge(overlay, _at(component, {"serviceAccount": service_account}))
    for component in PDB_COMPONENTS:
        overlay = deep_merge(overlay, _at(component, {"podDisruptionBudget": {"enabled": True}}))
    # No pod needs a Kubernetes API token unless it launches pods (IRSA mounts its own web identity token).
    for component in TOKENLESS_SERVICE_ACCOUNTS:
        automount = inputs.pod_launching and component in POD_LAUNCHERS
        overlay = deep_merge(overlay, _at(component, {"serviceAccount": {"automountServiceAccountToken": automount}}))
    overlay = deep_merge(overlay, teams_overlay(inputs.teams, inputs.settings))
    dags = _dags_overlay(inputs.dags)
    overlay["env"] += dags.pop("env", [])
    overlay = deep_merge(overlay, dags)
    if inputs.ingress.enabled:
        overlay["ingress"] = _ingress(inputs.ingress, inputs.network)
    return overlay


TOKENLESS_SERVICE_ACCOUNTS = (
    *SERVICE_ACCOUNTS,
    "pgbouncer",
    "statsd",
    "migrateDatabaseJob",
    "createUserJob",
    "databaseCleanup",
)
"""Every component's service account: none mounts a Kubernetes API token, but the pod launchers' when allowed."""


def values_path(component: str) -> str:
    """Where a component's own keys (service account, disruption budget) live: the Celery workers' under
    workers.celery, since chart 1.22 deprecates them under workers."""
    return "workers.celery" if component == "workers" else component


def _at(component: str, values: dict[str, Any]) -> dict[str, Any]:
    for key in reversed(values_path(component).split(".")):
        values = {key: values}
    return values


ADMIN_USERNAME = "admin"


def admin_password_hint(namespace: str) -> str:
    """What the chart's NOTES print as the first admin's password (the chart default would say admin/admin)."""
    secret = SECRET_NAMES["admin-password"]
    return f"generated, see: kubectl -n {namespace} get secret {secret} -o jsonpath='{{.data.password}}' | base64 -d"


def _create_user_job(namespace: str, *, sync_teams: bool = False) -> dict[str, Any]:
    """The first FAB admin, with the generated password read from its Secret at run time: the chart's default
    job passes `createUserJob.defaultUser.password` from the values, which would put it in the release. Our args
    replace the default ones, so defaultUser is only what the NOTES print. With `sync_teams`, the same job then
    creates the teams' UI roles and pools (team_values.TEAMS_SYNC), at every deploy."""
    # --password=…, joined: a password that begins with "-" (one set by hand in the Secret; the generated one is
    # alphanumeric) would be taken by argparse for an option, and the Job would fail at every retry.
    command = (
        f"airflow users create --role Admin --username {ADMIN_USERNAME} --email admin@airflow.invalid "
        '--firstname Airflow --lastname Admin --password="$AIRFLOW_ADMIN_PASSWORD"'
    )
    command = f"{command} && {TEAMS_SYNC}" if sync_teams else f"exec {command}"
    return {
        "enabled": True,
        # A plain Job like the migration one, renamed by its manifest the same way (see migrateDatabaseJob).
        "useHelmHooks": False,
        "applyCustomEnv": False,
        "ttlSecondsAfterFinished": None,
        "args": ["bash", "-c", command],
        "defaultUser": {"username": ADMIN_USERNAME, "password": admin_password_hint(namespace)},
        "env": [
            {
                "name": "AIRFLOW_ADMIN_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": SECRET_NAMES["admin-password"], "key": "password"}},
            }
        ],
    }


def _dags_overlay(dags: DagsConfig) -> dict[str, Any]:
    if dags.source == "git-sync":
        git_sync: dict[str, Any] = {
            "enabled": True,
            "repo": dags.repo,
            "branch": dags.branch,
            "ref": dags.branch,
            "subPath": dags.sub_path,
            "securityContexts": {"container": RESTRICTED_CONTAINER},
            "resources": GIT_SYNC_RESOURCES,
        }
        if dags.credentials_secret:
            git_sync["credentialsSecret"] = dags.credentials_secret
        return {"dags": {"gitSync": git_sync}}
    # The connection is token-less, for public repositories; a private one's lives in the secrets backend,
    # which Airflow asks first (see airflow_settings.git_bundle.GIT_BUNDLE_CONN_ID).
    return {
        "dagProcessor": {"dagBundleConfigList": [git_dag_bundle(tracking_ref=dags.branch, subdir=dags.sub_path)]},
        "env": [{"name": name, "value": value} for name, value in git_connection_env(dags.repo).items()],
    }


def _ingress(ingress: IngressConfig, network: ReleaseNetwork) -> dict[str, Any]:
    scheme = "internal" if ingress.internal else "internet-facing"
    return {
        "apiServer": {
            "enabled": True,
            "ingressClassName": "alb",
            # With the AWS Load Balancer Controller, ImplementationSpecific "/" matches only "/"; Prefix is "/*".
            "pathType": "Prefix",
            "hosts": [{"name": ingress.host}],
            "annotations": {
                "alb.ingress.kubernetes.io/scheme": scheme,
                "alb.ingress.kubernetes.io/target-type": "ip",
                # Placed where the api-server's NetworkPolicy admits it from (ReleaseNetwork.load_balancer_cidrs).
                "alb.ingress.kubernetes.io/subnets": ",".join(network.load_balancer_subnet_ids),
                # The api-server answers / with a redirect; its health endpoint needs no login.
                "alb.ingress.kubernetes.io/healthcheck-path": "/api/v2/monitor/health",
                "alb.ingress.kubernetes.io/certificate-arn": ingress.certificate_arn or "",
                "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS": 443}]',
                "alb.ingress.kubernetes.io/ssl-redirect": "443",
            },
        }
    }


def _leaf_paths(values: Mapping[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        paths += _leaf_paths(value, f"{path}.") if isinstance(value, Mapping) and value else [path]
    return paths


def _read(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise ValuesError(f"{path}: cannot read values: {err}") from err
    if not isinstance(loaded, dict):
        raise ValuesError(f"{path}: top level must be a mapping of chart values")
    if "config" in loaded:
        raise ValuesError(
            f"{path}: sets `config:`; Airflow settings come only from airflow_settings/settings.yaml. "
            "Fix: move the keys there (target eks for EKS-only values)."
        )
    return loaded
