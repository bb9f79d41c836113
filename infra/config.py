"""The typed stack configuration: read once at the edge (`__main__.py`), validated before any resource exists.

`StackConfig.from_raw({...})` takes the stack's `airflow-aws:*` keys (camelCase, as written in
`Pulumi.<stack>.yaml`), lays them over the size preset (presets.py) and validates everything. A wrong or
missing value raises `StackConfigError` naming the key, the problem and the fix. This module does not import
pulumi, so the rules are unit-tested directly (tests/infra/test_stack_config.py).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from infra.mwaa_rules import mwaa_input_problems
from infra.presets import PRESETS, Size, with_preset

CONFIG_NAMESPACE = "airflow-aws"
MIN_CHART_VERSION = (1, 22, 0)


class StackConfigError(ValueError):
    """The stack config is wrong; the message lists each offending key with its problem and fix."""


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )


class NetworkConfig(_Model):
    vpc_cidr: StrictStr
    """IPv4 CIDR of the VPC, /16 to /20; it is cut into one public and one private subnet per AZ.
    Defaults to 10.40.0.0/16 (dev) or 10.50.0.0/16 (prod)."""
    az_count: Annotated[StrictInt, Field(ge=2, le=6)]
    """Availability zones to spread over, 2 to 6. Defaults to 2 (dev) or 3 (prod).
    https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html"""
    nat_gateway_per_az: StrictBool
    """One NAT gateway per AZ (true) or a single shared one (false, cheaper, one AZ's failure cuts egress).
    Defaults to false (dev) or true (prod)."""


class NodeGroupConfig(_Model):
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
    """Root volume size in GiB (encrypted). Defaults to 50."""

    @model_validator(mode="after")
    def _sizes_ordered(self) -> NodeGroupConfig:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                f"node group {self.name!r} needs minSize <= desiredSize <= maxSize, got "
                f"{self.min_size} / {self.desired_size} / {self.max_size}; fix: reorder the three sizes"
            )
        return self


class EksConfig(_Model):
    version: Annotated[StrictStr, Field(pattern=r"^1\.\d{2}$")]
    """Kubernetes version of the control plane, e.g. "1.33".
    https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html"""
    endpoint_public_access: StrictBool
    """Expose the API server endpoint publicly (the private endpoint is always on). Defaults to true (dev),
    false (prod). Note: when true, publicAccessCidrs must list the networks allowed in."""
    public_access_cidrs: list[StrictStr]
    """CIDRs allowed to reach a public endpoint; 0.0.0.0/0 is refused."""
    node_groups: Annotated[list[NodeGroupConfig], Field(min_length=1)]
    """Managed node groups for Airflow pods. https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html"""


class DatabaseConfig(_Model):
    instance_class: Annotated[StrictStr, Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")]
    """RDS instance class, e.g. db.t4g.medium. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.html"""
    allocated_storage_gb: Annotated[StrictInt, Field(ge=20, le=65536)]
    """Initial gp3 storage in GiB, at least 20."""
    max_allocated_storage_gb: Annotated[StrictInt, Field(ge=20, le=65536)]
    """Storage autoscaling ceiling in GiB, at least allocatedStorageGb."""
    multi_az: StrictBool
    """Standby in a second AZ. Required in prod."""
    backup_retention_days: Annotated[StrictInt, Field(ge=1, le=35)]
    """Automated backup retention, 1 to 35 days. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html"""
    deletion_protection: StrictBool
    """Refuse `pulumi destroy` of the database. Required in prod."""


class BrokerConfig(_Model):
    engine: Literal["valkey", "redis"]
    """ElastiCache engine for the Celery broker. Defaults to valkey (Redis-protocol compatible, cheaper)."""
    node_type: Annotated[StrictStr, Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")]
    """Cache node type, e.g. cache.t4g.small. https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html"""
    replicas: Annotated[StrictInt, Field(ge=0, le=5)]
    """Read replicas; 1 or more turns on Multi-AZ automatic failover. Defaults to 0 (dev), 1 (prod)."""


class StorageConfig(_Model):
    log_retention_days: Annotated[StrictInt, Field(ge=1)]
    """Days task logs stay in the logs bucket before expiry. Defaults to 30 (dev), 90 (prod)."""
    versioning: StrictBool
    """S3 versioning on the DAGs/source and logs buckets. Defaults to true; MWAA requires it."""


class DagsConfig(_Model):
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
    airflow/connections/git_dags_repo instead."""


class ImageConfig(_Model):
    repository: StrictStr | None = None
    """Image repository. Defaults to the ECR repository this stack creates."""
    tag: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    """Image tag to run. ECR tags are immutable, so a mutable tag such as `latest` is refused."""


class ChartConfig(_Model):
    version: Annotated[StrictStr, Field(pattern=r"^\d+\.\d+\.\d+$")]
    """Official apache-airflow chart version, 1.22.0 or newer. https://airflow.apache.org/docs/helm-chart/"""
    namespace: Annotated[StrictStr, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    """Kubernetes namespace of the release. Defaults to airflow."""
    timeout_seconds: Annotated[StrictInt, Field(ge=300)]
    """How long `pulumi up` waits for the release (migrations included). Defaults to 1200 (dev), 1800
    (prod)."""


class IngressConfig(_Model):
    enabled: StrictBool
    """Expose the API server/UI through an ALB ingress. Defaults to false (reach it with kubectl
    port-forward)."""
    internal: StrictBool
    """Internal (VPC-only) load balancer. Defaults to true."""
    host: StrictStr | None = None
    """DNS name of the UI, e.g. airflow.example.com. Required when enabled."""
    certificate_arn: StrictStr | None = None
    """ACM certificate ARN for HTTPS. Required when enabled. https://docs.aws.amazon.com/acm/latest/userguide/"""


class MwaaConfig(_Model):
    environment_class: StrictStr
    """MWAA environment class, one of mw1.micro … mw1.2xlarge (mwaa_rules.MWAA_ENVIRONMENT_CLASSES). https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html"""
    min_workers: Annotated[StrictInt, Field(ge=1)]
    """Workers MWAA keeps running. Defaults to 1 (dev), 2 (prod)."""
    max_workers: Annotated[StrictInt, Field(ge=1, le=25)]
    """Workers MWAA may scale to. Note: minWorkers <= maxWorkers <= 25."""
    schedulers: Annotated[StrictInt, Field(ge=2, le=5)]
    """Schedulers, 2 to 5 (MWAA's range for Airflow 2.2+)."""
    webserver_access_mode: Literal["PRIVATE_ONLY", "PUBLIC_ONLY"]
    """Defaults to PRIVATE_ONLY (the UI is reached through the VPC)."""
    artifacts_dir: StrictStr
    """Folder holding requirements.txt, plugins.zip and startup.sh built by `make mwaa-artifacts`."""


class StackConfig(_Model):
    target: Literal["eks", "mwaa"]
    """Where Airflow runs: the official chart on EKS, or Amazon MWAA."""
    size: Size
    """Preset of defaults: dev (small, cheap) or prod (multi-AZ, protected)."""
    region: Annotated[StrictStr, Field(pattern=r"^(af|ap|ca|eu|il|me|mx|sa|us)-[a-z]+-\d$")]
    """AWS region, from `aws:region`, in the commercial `aws` partition: the IAM policies name arn:aws:…
    resources, so GovCloud and China regions are refused."""
    name_prefix: Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9-]{2,23}$")]
    """Prefix of AWS names (buckets, roles, cluster, DB): 3 to 24 lower-case letters, digits and dashes, as
    IAM role and ElastiCache names built from it have length limits. Defaults to airflow-<stack>. MWAA
    requires it to start with `airflow-`."""
    network: NetworkConfig
    storage: StorageConfig
    database: DatabaseConfig
    broker: BrokerConfig
    eks: EksConfig
    chart: ChartConfig
    ingress: IngressConfig
    mwaa: MwaaConfig
    dags: DagsConfig | None = None
    """DAG source for EKS; required when target is eks (MWAA reads DAGs from its S3 bucket)."""
    image: ImageConfig | None = None
    """Airflow image for EKS; required when target is eks."""

    @model_validator(mode="after")
    def _cross_field_rules(self) -> StackConfig:
        problems = [*_network_problems(self.network), *_target_problems(self), *_database_problems(self)]
        if self.target == "eks":
            problems += [*_eks_problems(self.eks), *_ingress_problems(self.ingress)]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @classmethod
    def from_raw(cls, raw: dict[str, Any], *, region: str | None, stack: str) -> StackConfig:
        """Validate the stack's raw `airflow-aws:*` config (already JSON-decoded) over its size preset."""
        size = raw.get("size", "dev")
        if not isinstance(size, str) or size not in PRESETS:
            raise StackConfigError(
                f"{CONFIG_NAMESPACE}:size: {size!r} is not a size. Fix: set it to one of {', '.join(PRESETS)}."
            )
        merged = {**with_preset(size, raw), "size": size}
        merged.setdefault("namePrefix", f"airflow-{stack}")
        if region is not None:
            merged["region"] = region
        try:
            return cls.model_validate(merged)
        except ValidationError as err:
            raise StackConfigError(_explain(err)) from None


def config_reference(model: type[BaseModel] = StackConfig, prefix: str = "") -> list[tuple[str, str]]:
    """(key, description) of every leaf config key, in declaration order: the README's reference table."""
    rows = []
    for name, field in model.model_fields.items():
        key = prefix + to_camel(name)
        section = _section_model(field.annotation)
        if section is not None:
            each = "[]" if get_origin(field.annotation) is list else ""
            rows += config_reference(section, f"{key}{each}.")
        else:
            rows.append((key, " ".join((field.description or "").split())))
    return rows


def _network_problems(network: NetworkConfig) -> list[str]:
    try:
        cidr = ipaddress.IPv4Network(network.vpc_cidr)
    except ValueError as err:
        return [
            f"network.vpcCidr: {network.vpc_cidr!r} is not an IPv4 network ({err}); "
            "fix: use a block such as 10.40.0.0/16"
        ]
    if not 16 <= cidr.prefixlen <= 20:
        return [
            f"network.vpcCidr: /{cidr.prefixlen} is outside /16../20; fix: use a /16 to /20 block "
            "so each AZ gets a /24 or larger"
        ]
    if not cidr.is_private:
        return [
            f"network.vpcCidr: {cidr} is not a private (RFC 1918) range; fix: use 10.0.0.0/8, "
            "172.16.0.0/12 or 192.168.0.0/16"
        ]
    return []


def _target_problems(config: StackConfig) -> list[str]:
    problems = []
    if config.target == "eks":
        problems += [
            f"{key}: missing, required when target is eks; fix: {fix}"
            for key, value, fix in (
                ("dags", config.dags, "set dags.source, dags.repo (and branch/subPath)"),
                (
                    "image",
                    config.image,
                    "set image.tag (and image.repository if not using this stack's ECR repository)",
                ),
            )
            if value is None
        ]
        if config.image is not None and config.image.tag == "latest":
            problems.append(
                "image.tag: 'latest' is mutable and the ECR repository refuses to overwrite tags; "
                "fix: use an immutable tag such as the git SHA or 3.3.1-1"
            )
        if tuple(int(part) for part in config.chart.version.split(".")) < MIN_CHART_VERSION:
            problems.append(
                f"chart.version: {config.chart.version} is older than 1.22.0, the first chart with "
                "Airflow 3.3 support used here; fix: set 1.22.0 or newer"
            )
        if config.dags is not None and config.dags.source == "git-bundle" and config.dags.credentials_secret:
            problems.append(
                "dags.credentialsSecret: applies to git-sync only; a git-bundle reads its connection through "
                "the Secrets Manager backend; fix: remove credentialsSecret and store the connection as "
                'airflow/connections/git_dags_repo, e.g. {"conn_type": "git", "host": "<repo url>", '
                '"login": "<user>", "password": "<token>"}'
            )
        if (
            config.dags is not None
            and config.dags.source == "git-sync"
            and re.match(r"^(git@|ssh://)", config.dags.repo)
        ):
            problems.append(
                f"dags.repo: {config.dags.repo!r} is an SSH URL, but this stack wires git-sync with "
                "username/token credentials only (no SSH key); fix: use the https:// clone URL, with "
                "dags.credentialsSecret for a private repository"
            )
        if config.dags is not None and not re.match(r"^(https://|git@|ssh://)", config.dags.repo):
            problems.append(
                f"dags.repo: {config.dags.repo!r} is not a git URL; fix: use https://host/org/repo.git "
                "or git@host:org/repo.git"
            )
    if config.target == "mwaa":
        problems += mwaa_input_problems(
            bucket_prefix=config.name_prefix,
            versioning=config.storage.versioning,
            environment_class=config.mwaa.environment_class,
            min_workers=config.mwaa.min_workers,
            max_workers=config.mwaa.max_workers,
        )
    return problems


def _eks_problems(eks: EksConfig) -> list[str]:
    problems = []
    if eks.endpoint_public_access and not eks.public_access_cidrs:
        problems.append(
            "eks.publicAccessCidrs: empty while eks.endpointPublicAccess is true; fix: list the "
            "networks allowed to reach the API server (e.g. your office /32), or set "
            "endpointPublicAccess to false"
        )
    for cidr in eks.public_access_cidrs:
        try:
            network = ipaddress.IPv4Network(cidr)
        except ValueError:
            problems.append(f"eks.publicAccessCidrs: {cidr!r} is not an IPv4 CIDR; fix: write it as a.b.c.d/n")
            continue
        if network.prefixlen == 0:
            problems.append(
                "eks.publicAccessCidrs: 0.0.0.0/0 opens the API server to the Internet; fix: list specific networks"
            )
    names = [group.name for group in eks.node_groups]
    if len(set(names)) != len(names):
        problems.append(f"eks.nodeGroups: duplicate names {names}; fix: give each node group its own name")
    return problems


def _database_problems(config: StackConfig) -> list[str]:
    db = config.database
    problems = []
    if db.max_allocated_storage_gb < db.allocated_storage_gb:
        problems.append(
            f"database.maxAllocatedStorageGb ({db.max_allocated_storage_gb}) is below "
            f"allocatedStorageGb ({db.allocated_storage_gb}); fix: raise the ceiling"
        )
    if config.size == "prod":
        problems += [
            f"database.{key}: must be true when size is prod ({why}); fix: set it to true, or use size dev"
            for key, value, why in (
                ("multiAz", db.multi_az, "one AZ outage must not stop Airflow"),
                ("deletionProtection", db.deletion_protection, "a destroy must not drop the metadata DB"),
            )
            if not value
        ]
    return problems


def _ingress_problems(ingress: IngressConfig) -> list[str]:
    if not ingress.enabled:
        return []
    problems = []
    if not ingress.host:
        problems.append("ingress.host: missing while ingress.enabled is true; fix: set the UI's DNS name")
    if not (ingress.certificate_arn or "").startswith("arn:aws:acm:"):
        problems.append(
            "ingress.certificateArn: missing or not an ACM ARN while ingress.enabled is true; "
            "fix: set arn:aws:acm:<region>:<account>:certificate/<id>"
        )
    return problems


def _explain(err: ValidationError) -> str:
    lines = []
    for problem in err.errors():
        where = ".".join(to_camel(str(part)) if isinstance(part, str) else str(part) for part in problem["loc"])
        key = f"{CONFIG_NAMESPACE}:{where}" if where else CONFIG_NAMESPACE
        if problem["loc"] == ("region",):
            # The region is the AWS provider's own key, not one of ours.
            found = (
                "missing" if problem["type"] == "missing" else f"{problem.get('input')!r} is not a commercial region"
            )
            lines.append(f"  aws:region: {found}; fix: `pulumi config set aws:region <region>`, e.g. eu-west-1")
        elif problem["type"] == "extra_forbidden":
            lines.append(
                f"  {key}: unknown key; fix: check the spelling against the configuration reference "
                "in README.md (## Deploying to AWS)"
            )
        elif problem["type"] == "missing":
            lines.append(
                f"  {key}: missing; fix: `pulumi config set --path {key} <value>` ({_field_doc(problem['loc'])})"
            )
        elif problem["type"] == "value_error":
            message = str(problem["ctx"]["error"])
            if where:
                lines.append(f"  {key}: {message}")
            else:
                lines.extend(f"  {CONFIG_NAMESPACE}:{line}" for line in message.splitlines())
        else:
            got = f"(got {problem.get('input')!r})"
            lines.append(f"  {key}: {problem['msg']} {got}; fix: set it as documented: {_field_doc(problem['loc'])}")
    return "\n".join([f"invalid stack config ({len(lines)} problem(s)):", *lines])


def _field_doc(loc: tuple[int | str, ...]) -> str:
    """The documentation of the field at `loc`, which says what the key takes: the fix for a bad value."""
    model: type[BaseModel] | None = StackConfig
    doc = ""
    for part in loc:
        if model is None or not isinstance(part, str):
            continue  # list indexes
        by_key = {to_camel(name): field for name, field in model.model_fields.items()} | model.model_fields
        if part not in by_key:
            continue
        doc = by_key[part].description or doc
        model = _section_model(by_key[part].annotation)
    return " ".join(doc.split()) or "see the configuration reference in README.md"


def _section_model(annotation: Any) -> type[_Model] | None:
    """The config section a field holds (directly, in a list, or optional), or None for a plain value."""
    candidates = [annotation, *get_args(annotation)]
    candidates += [inner for outer in candidates[1:] for inner in get_args(outer)]
    return next((arg for arg in candidates if isinstance(arg, type) and issubclass(arg, _Model)), None)
