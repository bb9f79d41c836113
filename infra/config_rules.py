"""The rules between stack config fields, one pure function per section, each problem worded once.

Every function returns "key: problem; fix: …" lines (empty when the rules hold). StackConfig (config.py) calls
them before any resource exists and reports them all at once; the component that receives the section calls
the same function on its Args and raises with `component_input_error`, so a component built by hand is held to
the same rules in the same words. MWAA's rules live in mwaa_rules.py.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from airflow_settings.git_bundle import GIT_BUNDLE_CONN_ID
from infra.config_sections import DagsConfig, DatabaseConfig, EksConfig, IngressConfig, NetworkConfig

MIN_ZONES = 2
"""RDS subnet groups, ElastiCache failover and MWAA all need subnets in two zones."""


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
    if not cidr.is_private:
        return [
            f"network.vpcCidr: {cidr} is not a private (RFC 1918) range; fix: use 10.0.0.0/8, "
            "172.16.0.0/12 or 192.168.0.0/16"
        ]
    return []


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


def database_problems(database: DatabaseConfig) -> list[str]:
    if database.max_allocated_storage_gb < database.allocated_storage_gb:
        return [
            f"database.maxAllocatedStorageGb ({database.max_allocated_storage_gb}) is below "
            f"allocatedStorageGb ({database.allocated_storage_gb}); fix: raise the ceiling"
        ]
    return []


def production_problems(size: str, database: DatabaseConfig) -> list[str]:
    """What size prod requires of the database on top of its preset, which a stack may override."""
    if size != "prod":
        return []
    return [
        f"database.{key}: must be true when size is prod ({why}); fix: set it to true, or use size dev"
        for key, value, why in (
            ("multiAz", database.multi_az, "one AZ outage must not stop Airflow"),
            ("deletionProtection", database.deletion_protection, "a destroy must not drop the metadata DB"),
        )
        if not value
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
