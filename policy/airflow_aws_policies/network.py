"""VPC, subnets and security groups."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

from ._base import (
    ADVISORY,
    MANDATORY,
    AwsResourcePolicy,
    AwsStackPolicy,
    as_list,
    attached,
    label,
    of_type,
    truthy,
)

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SUBNET = "aws:ec2/subnet:Subnet"
SUBNET_GROUPS = ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup")
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
# The tag the AWS Load Balancer Controller reads to place Internet-facing load balancers; only public
# subnets carry it.
PUBLIC_SUBNET_TAG = "kubernetes.io/role/elb"

INTERNET = frozenset({"0.0.0.0/0", "::/0"})


def _ingress_sources(args: ResourceValidationArgs) -> list[tuple[str, list[str]]]:
    """(port description, CIDRs) of every ingress rule the resource declares."""
    props = args.props
    if args.resource_type == SECURITY_GROUP:
        return [
            (
                f"ports {r.get('fromPort')}-{r.get('toPort')}",
                as_list(r.get("cidrBlocks")) + as_list(r.get("ipv6CidrBlocks")),
            )
            for r in as_list(props.get("ingress"))
        ]
    if args.resource_type == SECURITY_GROUP_RULE:
        if props.get("type") != "ingress":
            return []
        return [
            (
                f"ports {props.get('fromPort')}-{props.get('toPort')}",
                as_list(props.get("cidrBlocks")) + as_list(props.get("ipv6CidrBlocks")),
            )
        ]
    return [
        (
            f"ports {props.get('fromPort')}-{props.get('toPort')}",
            as_list(props.get("cidrIpv4")) + as_list(props.get("cidrIpv6")),
        )
    ]


def _no_internet_ingress(args: ResourceValidationArgs) -> Iterator[str]:
    for ports, cidrs in _ingress_sources(args):
        if INTERNET & set(cidrs):
            yield (
                f"{label(args)} admits the whole Internet on {ports}: allow the VPC CIDR or a source "
                "security group instead."
            )


def _subnet_group_two_azs(args: ResourceValidationArgs) -> Iterator[str]:
    if len(as_list(args.props.get("subnetIds"))) < 2:
        yield f"{label(args)} has fewer than two subnets: pass one private subnet per AZ."


def _no_auto_public_ip(args: ResourceValidationArgs) -> Iterator[str]:
    if truthy(args.props.get("mapPublicIpOnLaunch")):
        yield (
            f"{label(args)} gives every instance a public IP: set map_public_ip_on_launch=False (NAT and load "
            "balancers get their addresses explicitly)."
        )


def _flow_logs(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    flow_logs = list(of_type(args.resources, FLOW_LOG))
    for vpc in of_type(args.resources, VPC):
        if not attached(vpc, flow_logs, "vpcId", ("id",)):
            yield f"{label(vpc)} has no flow log: add an aws.ec2.FlowLog for it.", vpc.urn


def is_public_subnet(subnet) -> bool:
    tags = subnet.props.get("tags") or {}
    return PUBLIC_SUBNET_TAG in tags or truthy(subnet.props.get("mapPublicIpOnLaunch"))


def _private_subnets_route_through_nat(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    associations = list(of_type(args.resources, ROUTE_TABLE_ASSOCIATION))
    tables = list(of_type(args.resources, ROUTE_TABLE))
    routes = list(of_type(args.resources, ROUTE))
    for subnet in of_type(args.resources, SUBNET):
        if is_public_subnet(subnet):
            continue
        for association in attached(subnet, associations, "subnetId", ("id",)):
            for table in tables:
                if not attached(table, [association], "routeTableId", ("id",)):
                    continue
                internet_routes = [
                    r
                    for r in attached(table, routes, "routeTableId", ("id",))
                    if r.props.get("destinationCidrBlock") in INTERNET and r.props.get("gatewayId")
                ]
                inline = [
                    r
                    for r in as_list(table.props.get("routes"))
                    if r.get("cidrBlock") in INTERNET and r.get("gatewayId")
                ]
                if internet_routes or inline:
                    yield (
                        f"{label(subnet)} is private (no '{PUBLIC_SUBNET_TAG}' tag) but its {label(table)} sends "
                        "0.0.0.0/0 to an Internet gateway: route it through a NAT gateway.",
                        subnet.urn,
                    )


def _endpoint_private_dns(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("vpcEndpointType") == "Interface" and not truthy(args.props.get("privateDnsEnabled")):
        yield (
            f"{label(args)} has no private DNS, so SDK calls keep resolving to the public endpoint: set "
            "private_dns_enabled=True."
        )


def _imdsv2(args: ResourceValidationArgs) -> Iterator[str]:
    options = args.props.get("metadataOptions") or {}
    if options.get("httpTokens") != "required":
        yield (
            f"{label(args)} allows IMDSv1, which a pod can reach with a plain GET: set "
            "metadata_options.http_tokens='required'."
        )
    if float(options.get("httpPutResponseHopLimit") or 1) > 1:
        yield (
            f"{label(args)} lets pods reach the node's instance metadata (hop limit > 1) and borrow the node "
            "role: set http_put_response_hop_limit=1 (pods use IRSA)."
        )


def _encrypted_volumes(args: ResourceValidationArgs) -> Iterator[str]:
    for mapping in as_list(args.props.get("blockDeviceMappings")):
        ebs = mapping.get("ebs") or {}
        if ebs and not truthy(ebs.get("encrypted")):
            yield (f"{label(args)} leaves volume {mapping.get('deviceName')} unencrypted: set ebs.encrypted=True.")


POLICIES = [
    AwsResourcePolicy(
        "ec2-no-internet-ingress",
        "No security group admits 0.0.0.0/0 or ::/0.",
        [SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE],
        _no_internet_ingress,
        MANDATORY,
        "Allow the VPC CIDR or a source security group.",
    ),
    AwsResourcePolicy(
        "subnet-groups-two-azs",
        "RDS and ElastiCache subnet groups span at least two subnets (AZs).",
        SUBNET_GROUPS,
        _subnet_group_two_azs,
        ADVISORY,
        "Pass one private subnet per AZ.",
    ),
    AwsResourcePolicy(
        "ec2-subnet-no-auto-public-ip",
        "Subnets don't hand out public IPs on launch.",
        [SUBNET],
        _no_auto_public_ip,
        ADVISORY,
        "Set map_public_ip_on_launch=False.",
    ),
    AwsStackPolicy(
        "vpc-flow-logs",
        "Every VPC records flow logs.",
        [VPC, FLOW_LOG],
        _flow_logs,
        ADVISORY,
        "Add an aws.ec2.FlowLog with the VPC's id.",
    ),
    AwsStackPolicy(
        "vpc-private-subnets-via-nat",
        "Private subnets reach the Internet only through a NAT gateway.",
        [ROUTE, ROUTE_TABLE, ROUTE_TABLE_ASSOCIATION, INTERNET_GATEWAY, NAT_GATEWAY],
        _private_subnets_route_through_nat,
        MANDATORY,
        "Associate private subnets with a route table whose default route targets a NAT gateway.",
    ),
    AwsResourcePolicy(
        "vpc-endpoint-private-dns",
        "Interface VPC endpoints resolve the service's name privately.",
        [VPC_ENDPOINT],
        _endpoint_private_dns,
        ADVISORY,
        "Set private_dns_enabled=True.",
    ),
    AwsResourcePolicy(
        "ec2-imdsv2-hop-limit-1",
        "Node launch templates require IMDSv2 with a hop limit of 1.",
        [LAUNCH_TEMPLATE],
        _imdsv2,
        MANDATORY,
        "metadata_options: http_tokens='required', hop limit 1.",
    ),
    AwsResourcePolicy(
        "ec2-encrypted-volumes",
        "Node launch templates encrypt every EBS volume.",
        [LAUNCH_TEMPLATE],
        _encrypted_volumes,
        MANDATORY,
        "Set ebs.encrypted=True (and kms_key_id).",
    ),
]
