"""The sections of the stack config: typed, frozen and documented field by field (pure, no pulumi import).

Each section is what one component receives whole in its Args (NetworkConfig for Network, DatabaseConfig for
MetadataDatabase, ...). The rules between fields live in config_rules.py; StackConfig (config.py) assembles the
sections and reports every problem at once. Defaults come from the size presets (presets.py): the field docs
don't repeat them, the configuration reference shows them per preset.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator
from pydantic.alias_generators import to_camel


class ConfigSection(BaseModel):
    """A frozen section of the stack config: camelCase keys, unknown keys refused, field docs as descriptions."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )


class NetworkConfig(ConfigSection):
    vpc_cidr: StrictStr
    """IPv4 CIDR of the VPC, /16 to /20 inside an RFC 1918 block (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); it
    is cut into one public and one private subnet per AZ."""
    az_count: Annotated[StrictInt, Field(ge=2, le=6)]
    """Availability zones to spread over, 2 to 6.
    https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html"""
    nat_gateway_per_az: StrictBool
    """One NAT gateway per AZ (true) or a single shared one (false, cheaper, one AZ's failure cuts egress)."""


class NodeGroupConfig(ConfigSection):
    name: Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")]
    """Short name of the managed node group, lower-case letters, digits and dashes."""
    instance_types: Annotated[list[StrictStr], Field(min_length=1)]
    """EC2 instance types, e.g. ["m6i.large"]. https://aws.amazon.com/ec2/instance-types/"""
    min_size: Annotated[StrictInt, Field(ge=0)]
    """Fewest nodes the group scales down to."""
    max_size: Annotated[StrictInt, Field(ge=1)]
    """Most nodes the group scales up to."""
    desired_size: Annotated[StrictInt, Field(ge=0)]
    """Nodes at creation. Note: minSize <= desiredSize <= maxSize."""
    disk_size_gb: Annotated[StrictInt, Field(ge=20)] = 50
    """Root volume size in GiB (encrypted). Defaults to 50 in a node group that leaves it out."""

    @model_validator(mode="after")
    def _sizes_ordered(self) -> NodeGroupConfig:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                f"node group {self.name!r} needs minSize <= desiredSize <= maxSize, got "
                f"{self.min_size} / {self.desired_size} / {self.max_size}; fix: reorder the three sizes"
            )
        return self


class EksConfig(ConfigSection):
    version: Annotated[StrictStr, Field(pattern=r"^1\.\d{2}$")]
    """Kubernetes version of the control plane, e.g. "1.33".
    https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html"""
    endpoint_public_access: StrictBool
    """Expose the API server endpoint publicly (the private endpoint is always on). Note: when true,
    publicAccessCidrs must list the networks allowed in."""
    public_access_cidrs: list[StrictStr]
    """CIDRs allowed to reach a public endpoint; 0.0.0.0/0 is refused."""
    deployer_cidrs: list[StrictStr]
    """Private (RFC 1918) networks the workloads stage runs from, admitted on 443 to the private API endpoint: a
    VPN or Direct Connect range, or the subnet of a CI runner in the VPC. Required when endpointPublicAccess is
    false, since nothing else can reach the API then. https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html"""
    deployer_role_arns: list[StrictStr]
    """IAM roles, besides the identity that creates the cluster (EKS makes it cluster admin), that run the
    workloads stage, such as a CI runner's role: each gets an EKS access entry with AmazonEKSClusterAdminPolicy.
    https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html"""
    node_groups: Annotated[list[NodeGroupConfig], Field(min_length=1)]
    """Managed node groups for Airflow pods. https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html"""


class DatabaseConfig(ConfigSection):
    instance_class: Annotated[StrictStr, Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")]
    """RDS instance class, e.g. db.t4g.medium. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.html"""
    allocated_storage_gb: Annotated[StrictInt, Field(ge=20, le=65536)]
    """Initial gp3 storage in GiB, at least 20."""
    max_allocated_storage_gb: Annotated[StrictInt, Field(ge=20, le=65536)]
    """Storage autoscaling ceiling in GiB, at least 10 % above allocatedStorageGb (RDS refuses less).
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html"""
    multi_az: StrictBool
    """Standby in a second AZ. Required in prod."""
    backup_retention_days: Annotated[StrictInt, Field(ge=1, le=35)]
    """Automated backup retention, 1 to 35 days: the span point-in-time restore reaches back (automated backups
    are what PITR restores from, so they are never off; docs/runbooks/backup-restore.md).
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html"""
    backup_window: StrictStr
    """Daily window of the automated backup, hh24:mi-hh24:mi in UTC, e.g. 02:00-03:00: at least 30 minutes, and
    clear of maintenanceWindow, as RDS requires.
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html#USER_WorkingWithAutomatedBackups.BackupWindow"""
    maintenance_window: StrictStr
    """Weekly maintenance window (minor version upgrades, patches), ddd:hh24:mi-ddd:hh24:mi in UTC, e.g.
    sun:04:00-sun:05:00: at least 30 minutes, and clear of backupWindow.
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Maintenance.html#Concepts.DBMaintenance"""
    copy_tags_to_snapshot: StrictBool
    """Copy the instance's tags (the stack's `environment` among them) to its snapshots, automated and manual."""
    delete_automated_backups: StrictBool
    """Delete the automated backups, and with them point-in-time restore, as soon as the instance is deleted. Note:
    false keeps them for their retention period, the way back from a mistaken destroy; required in prod.
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.Retaining.html"""
    deletion_protection: StrictBool
    """Refuse `pulumi destroy` of the database. Required in prod."""


class BrokerConfig(ConfigSection):
    engine: Literal["valkey", "redis"]
    """ElastiCache engine for the Celery broker: valkey (Redis-protocol compatible, cheaper) or redis."""
    node_type: Annotated[StrictStr, Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")]
    """Cache node type, e.g. cache.t4g.small. https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html"""
    replicas: Annotated[StrictInt, Field(ge=0, le=5)]
    """Read replicas; 1 or more turns on Multi-AZ automatic failover."""


class StorageConfig(ConfigSection):
    log_retention_days: Annotated[StrictInt, Field(ge=1)]
    """Days task logs stay in the logs bucket before expiry."""
    versioning: StrictBool
    """S3 versioning on the logs bucket and MWAA's source bucket. Must be true: the policy pack refuses an
    unversioned bucket, and MWAA its source bucket."""


class DagsConfig(ConfigSection):
    source: Literal["git-sync", "git-bundle"]
    """How DAGs reach EKS: the chart's git-sync sidecar, or Airflow 3's GitDagBundle (no sidecar)."""
    repo: StrictStr
    """Git clone URL: https://… (git-sync and git-bundle) or git@…:… / ssh://… (git-bundle only, with the key
    in the Secrets Manager connection's extra)."""
    branch: StrictStr = "main"
    """Branch (git-sync ref / bundle tracking_ref). Defaults to main."""
    sub_path: StrictStr = "dags"
    """Folder inside the repository holding the DAG files. Defaults to dags."""
    credentials_secret: StrictStr | None = None
    """git-sync only: name of an existing Kubernetes Secret for a private repository, holding the four keys
    chart 1.22 reads: GIT_SYNC_USERNAME, GIT_SYNC_PASSWORD, GITSYNC_USERNAME, GITSYNC_PASSWORD. Defaults to
    none (public repository). For git-bundle, store the git connection (URL and token) in Secrets Manager as
    git_dags_repo under the connections prefix (settings.yaml `secrets.backend_kwargs`) instead."""


class ImageConfig(ConfigSection):
    repository: StrictStr | None = None
    """Image repository. Defaults to the ECR repository this stack creates."""
    tag: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    """Image tag to run. ECR tags are immutable, so a mutable tag such as `latest` is refused."""


NAMESPACE_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
"""A Kubernetes namespace name (an RFC 1123 label)."""


class ChartConfig(ConfigSection):
    version: Annotated[StrictStr, Field(pattern=r"^\d+\.\d+\.\d+$")]
    """Official apache-airflow chart version: the repository's chart pin unless set; a chart older than the first
    with Airflow 3.3 support is refused. https://airflow.apache.org/docs/helm-chart/"""
    namespace: Annotated[StrictStr, Field(pattern=NAMESPACE_PATTERN)]
    """Kubernetes namespace of the release."""
    timeout_seconds: Annotated[StrictInt, Field(ge=300)]
    """How long `pulumi up` waits for the release (migrations included), at least 300 seconds."""
    pod_launching: StrictBool = False
    """Let workers and the triggerer create, exec into and delete pods in the namespace, and reach the Kubernetes
    API, for the KubernetesPodOperator (or a KubernetesExecutor). Defaults to false: no pod rights and no API
    token in any pod. Note: the pods such tasks start get the namespace's default-deny NetworkPolicy.
    https://airflow.apache.org/docs/apache-airflow-providers-cncf-kubernetes/stable/operators.html"""


class IngressConfig(ConfigSection):
    enabled: StrictBool
    """Expose the API server/UI through an ALB ingress; without one, reach it with kubectl port-forward."""
    internal: StrictBool
    """Internal (VPC-only) load balancer rather than an Internet-facing one."""
    host: StrictStr | None = None
    """DNS name of the UI, e.g. airflow.example.com. Required when enabled."""
    certificate_arn: StrictStr | None = None
    """ACM certificate ARN for HTTPS. Required when enabled. https://docs.aws.amazon.com/acm/latest/userguide/"""


class MwaaConfig(ConfigSection):
    environment_class: StrictStr
    """MWAA environment class, one of mw1.micro … mw1.2xlarge (mwaa_rules.MWAA_ENVIRONMENT_CLASSES). https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html"""
    min_workers: Annotated[StrictInt, Field(ge=1)]
    """Workers MWAA keeps running."""
    max_workers: Annotated[StrictInt, Field(ge=1, le=25)]
    """Workers MWAA may scale to. Note: minWorkers <= maxWorkers <= 25."""
    schedulers: Annotated[StrictInt, Field(ge=1, le=5)]
    """Schedulers: exactly 1 on mw1.micro, 2 to 5 on larger classes (mwaa_rules.CLASS_LIMITS)."""
    webserver_access_mode: Literal["PRIVATE_ONLY", "PUBLIC_ONLY"]
    """PRIVATE_ONLY: the UI is reached through the VPC. PUBLIC_ONLY is refused, as the policy pack holds the UI off
    the Internet (mwaa-private-webserver)."""
    artifacts_dir: StrictStr
    """Folder holding requirements.txt, plugins.zip and startup.sh built by `make mwaa-artifacts`."""


PROMETHEUS_POD_LABELS = {"app.kubernetes.io/name": "prometheus"}
"""The label the Prometheus operator gives every Prometheus pod it runs."""


class ObservabilityConfig(ConfigSection):
    prometheus_operator: StrictBool = False
    """EKS: the cluster runs the Prometheus operator (kube-prometheus-stack or the operator alone). When true, the
    workloads stage creates ServiceMonitors for the chart's statsd exporter (port 9102) and pgbouncer exporter
    (9127), deploys the alert rules as a PrometheusRule (observability/prometheus/prometheusrule.yaml) in the
    release's namespace, and admits the Prometheus pods to both ports. Note: the operator's CRDs must exist before
    the workloads stage runs; the cluster's Alertmanager routes the alerts. Defaults to false.
    https://prometheus-operator.dev/docs/developer/getting-started/"""
    prometheus_namespace: Annotated[StrictStr, Field(pattern=NAMESPACE_PATTERN)] = "monitoring"
    """EKS: the namespace the Prometheus pods run in, admitted to the exporters' metrics ports. Defaults to
    monitoring."""
    prometheus_pod_labels: dict[StrictStr, StrictStr] = Field(default_factory=lambda: dict(PROMETHEUS_POD_LABELS))
    """EKS: labels that pick the Prometheus pods out of prometheusNamespace for the NetworkPolicies. Defaults to
    {"app.kubernetes.io/name": "prometheus"}, which the operator sets on every Prometheus it runs."""
    monitor_labels: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    """EKS: labels on the ServiceMonitors and the PrometheusRule, which the Prometheus resource's
    serviceMonitorSelector and ruleSelector must match: kube-prometheus-stack selects `release: <its Helm release>`
    unless its `*SelectorNilUsesHelmValues` are false. Defaults to none."""
    alert_emails: list[StrictStr] = Field(default_factory=list)
    """MWAA: addresses subscribed by email to the alert topic of the CloudWatch alarms (stack output
    alertsTopicArn). Note: AWS mails each address a confirmation link, and an address receives nothing until it
    follows it; a pager or chat integration subscribes to the topic instead. Defaults to none.
    https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html"""
