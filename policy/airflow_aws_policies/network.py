"""VPC, subnets and security groups."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

from ._base import ADVISORY, MANDATORY, AwsResourcePolicy, AwsStackPolicy, as_list, attached, label, of_type, truthy

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SUBNET = "aws:ec2/subnet:Subnet"
SUBNET_GROUPS = ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup")

INTERNET = frozenset({"0.0.0.0/0", "::/0"})


def _ingress_sources(args: ResourceValidationArgs) -> list[tuple[str, list[str]]]:
    """(port description, CIDRs) of every ingress rule the resource declares."""
    props = args.props
    if args.resource_type == SECURITY_GROUP:
        return [(f"ports {r.get('fromPort')}-{r.get('toPort')}",
                 as_list(r.get("cidrBlocks")) + as_list(r.get("ipv6CidrBlocks")))
                for r in as_list(props.get("ingress"))]
    if args.resource_type == SECURITY_GROUP_RULE:
        if props.get("type") != "ingress":
            return []
        return [(f"ports {props.get('fromPort')}-{props.get('toPort')}",
                 as_list(props.get("cidrBlocks")) + as_list(props.get("ipv6CidrBlocks")))]
    return [(f"ports {props.get('fromPort')}-{props.get('toPort')}",
             as_list(props.get("cidrIpv4")) + as_list(props.get("cidrIpv6")))]


def _no_internet_ingress(args: ResourceValidationArgs) -> Iterator[str]:
    for ports, cidrs in _ingress_sources(args):
        if INTERNET & set(cidrs):
            yield (f"{label(args)} admits the whole Internet on {ports}: allow the VPC CIDR or a source "
                   "security group instead.")


def _subnet_group_two_azs(args: ResourceValidationArgs) -> Iterator[str]:
    if len(as_list(args.props.get("subnetIds"))) < 2:
        yield f"{label(args)} has fewer than two subnets: pass one private subnet per AZ."


def _no_auto_public_ip(args: ResourceValidationArgs) -> Iterator[str]:
    if truthy(args.props.get("mapPublicIpOnLaunch")):
        yield (f"{label(args)} gives every instance a public IP: set map_public_ip_on_launch=False (NAT and load "
               "balancers get their addresses explicitly).")


def _flow_logs(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    flow_logs = list(of_type(args.resources, FLOW_LOG))
    for vpc in of_type(args.resources, VPC):
        if not attached(vpc, flow_logs, "vpcId", ("id",)):
            yield f"{label(vpc)} has no flow log: add an aws.ec2.FlowLog for it.", vpc.urn


POLICIES = [
    AwsResourcePolicy(
        "ec2-no-internet-ingress", "No security group admits 0.0.0.0/0 or ::/0.",
        [SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE], _no_internet_ingress, MANDATORY,
        "Allow the VPC CIDR or a source security group."),
    AwsResourcePolicy(
        "subnet-groups-two-azs", "RDS and ElastiCache subnet groups span at least two subnets (AZs).",
        SUBNET_GROUPS, _subnet_group_two_azs, ADVISORY, "Pass one private subnet per AZ."),
    AwsResourcePolicy(
        "ec2-subnet-no-auto-public-ip", "Subnets don't hand out public IPs on launch.",
        [SUBNET], _no_auto_public_ip, ADVISORY, "Set map_public_ip_on_launch=False."),
    AwsStackPolicy(
        "vpc-flow-logs", "Every VPC records flow logs.",
        [VPC, FLOW_LOG], _flow_logs, ADVISORY, "Add an aws.ec2.FlowLog with the VPC's id."),
]
