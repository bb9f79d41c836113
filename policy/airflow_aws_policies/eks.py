"""EKS: the cluster the Airflow Helm release runs on (pulumi-eks component and its aws.eks.Cluster)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs

from ._base import ADVISORY, MANDATORY, AwsResourcePolicy, as_list, label, prop, truthy

# pulumi-eks is a remote component: `pulumi preview` sees both the component (its own inputs) and the
# aws.eks.Cluster it creates; the mock runtime sees only the component. The rules read either shape.
EKS_COMPONENT = "eks:index:Cluster"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_TYPES = (EKS_COMPONENT, EKS_CLUSTER)
NODE_GROUP_TYPES = ("eks:index:ManagedNodeGroup", "aws:eks/nodeGroup:NodeGroup")

INTERNET = frozenset({"0.0.0.0/0", "::/0"})
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")
# Kubernetes minor version -> (end of EKS standard support, end of extended support), from
# https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html . Versions newer than the
# table are current; older ones are past every support window. Update the table with each EKS release.
SUPPORT_CALENDAR = {
    "1.32": (datetime.date(2026, 3, 23), datetime.date(2027, 3, 23)),
    "1.33": (datetime.date(2026, 7, 29), datetime.date(2027, 7, 29)),
    "1.34": (datetime.date(2026, 12, 2), datetime.date(2027, 12, 2)),
    "1.35": (datetime.date(2027, 3, 27), datetime.date(2028, 3, 27)),
    "1.36": (datetime.date(2027, 8, 2), datetime.date(2028, 8, 2)),
}


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2])


def support_ends(version: str) -> tuple[datetime.date, datetime.date] | None:
    """(standard, extended) end dates; None for a version newer than the calendar."""
    if version in SUPPORT_CALENDAR:
        return SUPPORT_CALENDAR[version]
    if _minor(version) > max(map(_minor, SUPPORT_CALENDAR)):
        return None
    return datetime.date.min, datetime.date.min


def _endpoint(props: Mapping[str, Any]) -> tuple[bool, bool, list[str]]:
    """(private access, public access, public CIDRs) with each API's defaults."""
    if "vpcConfig" in props:
        config = props.get("vpcConfig") or {}
        public = truthy(config.get("endpointPublicAccess", True))
        return truthy(config.get("endpointPrivateAccess")), public, as_list(config.get("publicAccessCidrs"))
    public = truthy(props.get("endpointPublicAccess", True))
    return truthy(props.get("endpointPrivateAccess")), public, as_list(props.get("publicAccessCidrs"))


def _private_endpoint(args: ResourceValidationArgs) -> Iterator[str]:
    private, public, cidrs = _endpoint(args.props)
    if not private:
        yield f"{label(args)} has no private API endpoint: set endpoint_private_access=True."
    if public and (not cidrs or INTERNET & set(cidrs)):
        yield (
            f"{label(args)} exposes its API endpoint to the whole Internet: set endpoint_public_access=False, "
            "or public_access_cidrs to the operators' ranges."
        )


def _secrets_encryption(args: ResourceValidationArgs) -> Iterator[str]:
    if args.resource_type == EKS_COMPONENT:
        key = args.props.get("encryptionConfigKeyArn")
    else:
        config = as_list(args.props.get("encryptionConfig")) or [{}]
        key = prop(config[0], "provider", "keyArn") if "secrets" in as_list(config[0].get("resources")) else None
    if not key:
        yield (f"{label(args)} stores Kubernetes Secrets without envelope encryption: set encryption_config_key_arn.")


def _control_plane_logs(args: ResourceValidationArgs) -> Iterator[str]:
    missing = [t for t in REQUIRED_LOG_TYPES if t not in as_list(args.props.get("enabledClusterLogTypes"))]
    if missing:
        yield (
            f"{label(args)} does not send {', '.join(missing)} logs to CloudWatch: add them to "
            f"enabled_cluster_log_types."
        )


def _version(args: ResourceValidationArgs) -> tuple[str | None, Any]:
    version = args.props.get("version")
    return version, support_ends(str(version)) if version else None


def _supported_version(args: ResourceValidationArgs) -> Iterator[str]:
    version, ends = _version(args)
    if not version:
        yield (f"{label(args)} does not pin its Kubernetes version: set version so upgrades are reviewed changes.")
    elif ends is not None and ends[1] <= datetime.date.today():
        yield f"{label(args)} runs Kubernetes {version}, past the end of EKS support: upgrade the version."


def _standard_support(args: ResourceValidationArgs) -> Iterator[str]:
    version, ends = _version(args)
    if version and ends is not None and ends[0] <= datetime.date.today():
        yield (
            f"{label(args)} runs Kubernetes {version}, in paid extended support since {ends[0]}: upgrade to a "
            "version in standard support."
        )


def _nodes_not_reachable(args: ResourceValidationArgs) -> Iterator[str]:
    if args.resource_type == EKS_COMPONENT:
        if (
            not truthy(args.props.get("skipDefaultNodeGroup"))
            and args.props.get("nodeAssociatePublicIpAddress") is not False
        ):
            yield (
                f"{label(args)} gives its default nodes public IPs: set node_associate_public_ip_address=False "
                "or skip_default_node_group=True."
            )
    elif args.props.get("remoteAccess"):
        yield f"{label(args)} opens SSH to its nodes: drop remote_access and use SSM Session Manager."


POLICIES = [
    AwsResourcePolicy(
        "eks-private-endpoint",
        "The EKS API endpoint is private, or public only to listed CIDRs.",
        EKS_TYPES,
        _private_endpoint,
        MANDATORY,
        "Set endpoint_private_access=True and endpoint_public_access=False (or public_access_cidrs).",
    ),
    AwsResourcePolicy(
        "eks-secrets-encryption",
        "EKS encrypts Kubernetes Secrets with a customer-managed KMS key.",
        EKS_TYPES,
        _secrets_encryption,
        MANDATORY,
        "Set encryption_config_key_arn to the stack's CMK.",
    ),
    AwsResourcePolicy(
        "eks-control-plane-logs",
        "EKS sends api, audit and authenticator logs to CloudWatch.",
        EKS_TYPES,
        _control_plane_logs,
        MANDATORY,
        "Set enabled_cluster_log_types=['api','audit','authenticator',…].",
    ),
    AwsResourcePolicy(
        "eks-supported-version",
        "EKS pins a Kubernetes version that AWS still supports.",
        EKS_TYPES,
        _supported_version,
        MANDATORY,
        "Set version to a supported Kubernetes minor.",
    ),
    AwsResourcePolicy(
        "eks-standard-support",
        "EKS runs a Kubernetes version in standard (not paid extended) support.",
        EKS_TYPES,
        _standard_support,
        ADVISORY,
        "Upgrade before the end of standard support.",
    ),
    AwsResourcePolicy(
        "eks-nodes-not-reachable",
        "EKS nodes get no public IPs and no SSH remote access.",
        (EKS_COMPONENT, *NODE_GROUP_TYPES),
        _nodes_not_reachable,
        MANDATORY,
        "Run nodes in private subnets without public IPs; use SSM instead of SSH.",
    ),
]
