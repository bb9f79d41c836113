"""The rules between stack config fields, one pure function per section, each problem worded once.

Every function returns "key: problem; fix: …" lines (empty when the rules hold). StackConfig (config.py) calls
them before any resource exists and reports them all at once; the component that receives the section calls
the same function on its Args and raises with `component_input_error`, so a component built by hand is held to
the same rules in the same words. MWAA's rules live in mwaa_rules.py, the metadata database's
in database_rules.py.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from airflow_settings.git_bundle import GIT_BUNDLE_CONN_ID
from infra.components import SERVICE_ACCOUNTS
from infra.config_sections import (
    BrokerConfig,
    DagsConfig,
    EksConfig,
    IngressConfig,
    NetworkConfig,
    StorageConfig,
)

MIN_ZONES = 2
"""RDS subnet groups, ElastiCache failover and MWAA all need subnets in two zones."""

PRIVATE_RANGES = tuple(ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
"""RFC 1918's private blocks. Python's `is_private` also accepts shared (100.64/10), benchmarking (198.18/15) and
documentation ranges, which are not for a VPC. https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html"""

EKS_REFUSED_ZONE_IDS = frozenset({"use1-az3", "usw1-az2", "cac1-az3"})
"""Zone IDs where EKS places no control plane, so its subnets can't be there: "The subnets can't reside in the
following Availability Zones". https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html"""

AUTONAME_SUFFIX = len("-1a2b3c4")
"""Pulumi names a resource given no explicit name after its logical name plus a dash and 7 random hex digits."""


@dataclass(frozen=True)
class DerivedName:
    """A name AWS receives that the program builds from namePrefix, and AWS's limit on it."""

    shape: str
    """How it reads, e.g. "IAM role <namePrefix>-irsa-airflow-dag-processor-<7 hex>"."""
    added: int
    """Characters it adds to namePrefix."""
    limit: int
    """AWS's maximum length."""
    targets: frozenset[str]
    """The targets (eks, mwaa) that create it."""


BUCKET_PREFIX = DerivedName("S3 bucket prefix <namePrefix>-logs-", len("-logs-"), 37, frozenset({"eks", "mwaa"}))
"""pulumi-aws s3.Bucket: "bucket_prefix … Must be lowercase and less than or equal to 37 characters"."""
_LONGEST_ACCOUNT = max(SERVICE_ACCOUNTS.values(), key=len)
DERIVED_NAMES = (
    BUCKET_PREFIX,
    # IAM quotas: role names up to 64 characters. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    DerivedName(
        f"IAM role <namePrefix>-irsa-{_LONGEST_ACCOUNT}-<7 hex>",
        len(f"-irsa-{_LONGEST_ACCOUNT}") + AUTONAME_SUFFIX,
        64,
        frozenset({"eks"}),
    ),
    DerivedName(
        "IAM role <namePrefix>-mwaa-execution-role-<7 hex>",
        len("-mwaa-execution-role") + AUTONAME_SUFFIX,
        64,
        frozenset({"mwaa"}),
    ),
    # CreateReplicationGroup: "A name must contain from 1 to 40 alphanumeric characters or hyphens".
    DerivedName("ElastiCache replication group <namePrefix>-broker", len("-broker"), 40, frozenset({"eks"})),
    # CreateDBInstance: DBInstanceIdentifier "Must contain from 1 to 63 letters, numbers, or hyphens".
    DerivedName(
        "RDS instance <namePrefix>-metadata-db-<7 hex>", len("-metadata-db") + AUTONAME_SUFFIX, 63, frozenset({"eks"})
    ),
    # CreateEnvironment: Name, 1 to 80 characters.
    DerivedName("MWAA environment <namePrefix>", 0, 80, frozenset({"mwaa"})),
)
"""The longest name of each kind; a test builds every stack with the longest namePrefix these allow and checks
each name AWS receives against its limit (tests/infra/test_stack_config.py)."""

NODE_GROUP_NAME_LIMIT = 63
"""EKS: "The node group name can't be longer than 63 characters"; pulumi-eks autonames the node group after the
ManagedNodeGroup's logical name, <namePrefix>-eks-<group>, plus the autoname suffix."""
S3_RESERVED_PREFIXES = ("sthree-", "amzn-s3-demo-")
"""Bucket names "must not start with the prefix" these (xn-- is caught by the double dash).
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"""


def component_input_error(name: str, component: str, problems: Sequence[str]) -> str:
    """The message a component raises (as pulumi.RunError) when its Args break a rule: it names itself first,
    since RunError is reported without a stack trace."""
    return f"{name}: {component} inputs are invalid:\n  " + "\n  ".join(problems)


def network_problems(network: NetworkConfig) -> list[str]:
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
    if not any(cidr.subnet_of(block) for block in PRIVATE_RANGES):
        return [
            f"network.vpcCidr: {cidr} is not a private (RFC 1918) range; fix: use 10.0.0.0/8, "
            "172.16.0.0/12 or 192.168.0.0/16"
        ]
    return []


def derived_names(target: str) -> tuple[DerivedName, ...]:
    """The names a `target` stack builds from namePrefix."""
    return tuple(name for name in DERIVED_NAMES if target in name.targets)


def name_prefix_problems(prefix: str, names: Sequence[DerivedName]) -> list[str]:
    """namePrefix as every AWS name built from it requires (S3, RDS, ElastiCache and ECR are the strictest);
    `names`: the names built from it that must fit AWS's length limits (derived_names(target))."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", prefix):
        return [
            f"namePrefix: {prefix!r} must start with a lower-case letter and hold only lower-case letters, "
            "digits and dashes, as S3, RDS and ElastiCache names do; fix: e.g. airflow-dev"
        ]
    problems = []
    if "--" in prefix or prefix.endswith("-"):
        problems.append(
            f"namePrefix: {prefix!r} has two dashes in a row or ends with a dash, which RDS, ElastiCache and ECR "
            "names refuse; fix: use single dashes between letters or digits"
        )
    if prefix.startswith(S3_RESERVED_PREFIXES):
        problems.append(
            f"namePrefix: {prefix!r} starts with a prefix S3 reserves for its own buckets "
            f"({', '.join(S3_RESERVED_PREFIXES)}); fix: start it otherwise, e.g. airflow-"
        )
    longest = min(name.limit - name.added for name in names)
    if len(prefix) < 3:
        problems.append(f"namePrefix: {prefix!r} is shorter than 3 characters; fix: use 3 to {longest}")
    elif len(prefix) > longest:
        tightest = min(names, key=lambda name: name.limit - name.added)
        problems.append(
            f"namePrefix: {prefix!r} is {len(prefix)} characters, so the {tightest.shape} would be "
            f"{len(prefix) + tightest.added}, over AWS's limit of {tightest.limit}; fix: shorten namePrefix to "
            f"at most {longest} characters"
        )
    return problems


def node_group_problems(prefix: str, eks: EksConfig) -> list[str]:
    """The node groups' EKS names (<namePrefix>-eks-<group>-<7 hex>) within EKS's limit."""
    fixed = len(f"{prefix}-eks-") + AUTONAME_SUFFIX
    return [
        f"eks.nodeGroups: node group {group.name!r} would be named {prefix}-eks-{group.name}-<7 hex>, "
        f"{fixed + len(group.name)} characters, over EKS's limit of {NODE_GROUP_NAME_LIMIT}; fix: shorten its "
        f"name to at most {NODE_GROUP_NAME_LIMIT - fixed} characters, or namePrefix"
        for group in eks.node_groups
        if fixed + len(group.name) > NODE_GROUP_NAME_LIMIT
    ]


def usable_zones(names: Sequence[str], zone_ids: Sequence[str], *, target: str) -> list[str]:
    """The zone names the network may spread over, in the region's order: `names` and `zone_ids` as
    aws.get_availability_zones returns them (the same zones, in the same order). EKS refuses control-plane
    subnets in EKS_REFUSED_ZONE_IDS, so an eks stack leaves them out."""
    refused = EKS_REFUSED_ZONE_IDS if target == "eks" else frozenset()
    return [name for name, zone_id in zip(names, zone_ids, strict=True) if zone_id not in refused]


def zone_problems(zones: Sequence[str], network: NetworkConfig, region: str) -> list[str]:
    """`zones`: the region's regular availability zones; the network spreads over the first azCount."""
    if len(zones) >= network.az_count:
        return []
    if len(zones) < MIN_ZONES:
        return [
            f"network.azCount: {region} has only {len(zones)} available zones, and RDS, ElastiCache and MWAA "
            "all need two; fix: choose a region with two or more zones"
        ]
    return [
        f"network.azCount: {region} has only {len(zones)} available zones; fix: set azCount to {len(zones)} or less"
    ]


def eks_problems(eks: EksConfig) -> list[str]:
    problems = []
    if eks.endpoint_public_access and not eks.public_access_cidrs:
        problems.append(
            "eks.publicAccessCidrs: empty while eks.endpointPublicAccess is true; fix: list the "
            "networks allowed to reach the API server (e.g. your office /32), or set "
            "endpointPublicAccess to false"
        )
    if not eks.endpoint_public_access and eks.public_access_cidrs:
        problems.append(
            "eks.publicAccessCidrs: set while eks.endpointPublicAccess is false, which pulumi-eks refuses at deploy "
            'time ("publicAccessCidrs can only be set when endpointPublicAccess is true"); fix: remove '
            "publicAccessCidrs (list private networks in deployerCidrs), or set endpointPublicAccess to true"
        )
    for network in _networks("eks.publicAccessCidrs", eks.public_access_cidrs, problems):
        if network.prefixlen == 0:
            problems.append(
                "eks.publicAccessCidrs: 0.0.0.0/0 opens the API server to the Internet; fix: list specific networks"
            )
    problems += deployer_problems(eks)
    names = [group.name for group in eks.node_groups]
    if len(set(names)) != len(names):
        problems.append(f"eks.nodeGroups: duplicate names {names}; fix: give each node group its own name")
    return problems


def deployer_problems(eks: EksConfig) -> list[str]:
    """Who runs the workloads stage and from where: it installs the chart through the Kubernetes API, which a
    private-only endpoint serves to the VPC and routed networks only."""
    problems = [
        f"eks.deployerRoleArns: {arn!r} is not an IAM role ARN; fix: use arn:aws:iam::<account>:role/<name>"
        for arn in eks.deployer_role_arns
        if not re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@/-]+", arn)
    ]
    if not eks.endpoint_public_access and not eks.deployer_cidrs:
        problems.append(
            "eks.deployerCidrs: empty while eks.endpointPublicAccess is false, so no network could reach the API "
            "to install the chart; fix: list the private networks `make deploy` runs from (a VPN or Direct Connect "
            "range, or a CI runner's subnet in the VPC; docs/first-deploy.md)"
        )
    for network in _networks("eks.deployerCidrs", eks.deployer_cidrs, problems):
        if not any(network.subnet_of(block) for block in PRIVATE_RANGES):
            problems.append(
                f"eks.deployerCidrs: {network} is not inside an RFC 1918 block, and only the VPC and networks routed "
                "into it reach the private endpoint; fix: use the VPN, Direct Connect or runner subnet range "
                "(10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), or eks.publicAccessCidrs for a public address"
            )
    return problems


def _networks(key: str, cidrs: Sequence[str], problems: list[str]) -> list[ipaddress.IPv4Network]:
    """The CIDRs of list `key` that parse as IPv4 networks; each one that does not adds a problem."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.IPv4Network(cidr))
        except ValueError:
            problems.append(f"{key}: {cidr!r} is not an IPv4 CIDR; fix: write it as a.b.c.d/n")
    return networks


def storage_problems(storage: StorageConfig) -> list[str]:
    if storage.versioning:
        return []
    return [
        "storage.versioning: false, but the policy pack refuses an unversioned bucket (s3-versioning: an "
        "overwritten or deleted task log must stay recoverable); fix: set it to true"
    ]


@dataclass(frozen=True)
class EnvironmentTag:
    """The tag of `aws:defaultTags` the policy pack picks its production rules by, as the pack reads it (the
    program resolves it with the pack's own names; this module stays importable without pulumi-policy)."""

    name: str
    """The tag's key, `environment`."""
    value: str | None
    """Its value on this stack; None when untagged."""
    production: bool
    """Whether the pack holds the stack to its production rules (an untagged stack counts as production)."""


def environment_tag_problems(size: str, tag: EnvironmentTag) -> list[str]:
    """The pack picks its production rules from the environment tag, the presets from `size`: the two must agree,
    or the pack refuses what validation let through (a dev-sized stack held to production rules) or checks a
    production stack with the relaxed ones."""
    key = f"aws:defaultTags.tags.{tag.name}"
    if size == "prod" and not tag.production:
        return [
            f"{key}: {tag.value!r} on a size prod stack lets the policy pack check it with the non-production "
            f"rules; fix: tag it {tag.name}: prod"
        ]
    if size != "prod" and tag.production:
        found = "missing" if tag.value is None else repr(tag.value)
        return [
            f"{key}: {found} on a size {size} stack, so the policy pack holds it to the production rules, which "
            f"the {size} preset does not meet; fix: `pulumi config set --path 'aws:defaultTags.tags.{tag.name}' "
            f"{size}`, or use size prod"
        ]
    return []


def production_broker_problems(size: str, broker: BrokerConfig) -> list[str]:
    """What size prod requires of the broker: a replica to fail over to, as the pack's
    elasticache-multi-az-in-prod does."""
    if size != "prod" or broker.replicas >= 1:
        return []
    return [
        "broker.replicas: 0 when size is prod, but the policy pack requires Multi-AZ failover "
        "(elasticache-multi-az-in-prod: one AZ outage must not lose the queue); fix: set it to 1 or more, "
        "or use size dev"
    ]


def dags_problems(dags: DagsConfig, *, connections_prefix: str) -> list[str]:
    """`connections_prefix`: the secrets backend's, under which a git bundle's private connection lives."""
    problems = []
    if dags.source == "git-bundle" and dags.credentials_secret:
        problems.append(
            "dags.credentialsSecret: applies to git-sync only; a git-bundle reads its connection through "
            "the Secrets Manager backend; fix: remove credentialsSecret and store the connection as "
            f'{connections_prefix}/{GIT_BUNDLE_CONN_ID}, e.g. {{"conn_type": "git", "host": "<repo url>", '
            '"login": "<user>", "password": "<token>"}'
        )
    if dags.source == "git-sync" and re.match(r"^(git@|ssh://)", dags.repo):
        problems.append(
            f"dags.repo: {dags.repo!r} is an SSH URL, but this stack wires git-sync with "
            "username/token credentials only (no SSH key); fix: use the https:// clone URL, with "
            "dags.credentialsSecret for a private repository"
        )
    if not re.match(r"^(https://|git@|ssh://)", dags.repo):
        problems.append(
            f"dags.repo: {dags.repo!r} is not a git URL; fix: use https://host/org/repo.git or git@host:org/repo.git"
        )
    return problems


def ingress_problems(ingress: IngressConfig) -> list[str]:
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
