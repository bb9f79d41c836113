"""The VPC every other component lives in."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.config_rules import component_input_error, network_problems, zone_problems
from infra.config_sections import NetworkConfig
from infra.network_plan import nat_zone_indexes, plan_subnets

INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "secretsmanager", "sts", "logs")
"""AWS APIs reached through interface endpoints, so image pulls, secrets, IRSA and logs stay off the NAT."""
MWAA_INTERFACE_ENDPOINTS = ("sqs", "monitoring", "kms")
"""Added for MWAA, whose workers talk to SQS, CloudWatch metrics and KMS from private subnets."""


@dataclass(frozen=True)
class NetworkArgs:
    network: NetworkConfig
    """The stack's network section: the VPC's IPv4 CIDR (/16 to /20), how many zones to spread over and whether
    every zone gets a NAT gateway (or one is shared in the first zone).
    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html"""
    zones: list[str]
    """The region's regular availability zones, in order; the first network.azCount (at least two) get one
    public and one private subnet each."""
    region: str
    """Region of the VPC endpoints' service names."""
    extra_interface_endpoints: tuple[str, ...] = ()
    """Further interface endpoint services beyond INTERFACE_ENDPOINTS. Defaults to none."""


def client_only_firewall(
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    port: int,
    service: str,
    client_security_group_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.ec2.SecurityGroup:
    """The security group (`name`-sg) of data store component `name`, open on `port` to members of one client
    security group only (for EKS, the cluster security group on every node and pod): no subnet-wide CIDR. The
    rule is a resource of its own (`name`-from-clients), so the data store need not wait for whatever owns the
    client group."""
    firewall = aws.ec2.SecurityGroup(
        f"{name}-sg",
        vpc_id=vpc_id,
        description=f"{service} from the Airflow pods only",
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-from-clients",
        security_group_id=firewall.id,
        description=f"{service} from the client security group",
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        referenced_security_group_id=client_security_group_id,
        opts=pulumi.ResourceOptions(parent=firewall),
    )
    return firewall


class Network(pulumi.ComponentResource):
    """aws.ec2.Vpc with a public and a private subnet per zone, an Internet gateway, NAT gateway(s) with
    Elastic IPs, route tables, an S3 gateway endpoint and interface endpoints (ECR, Secrets Manager, STS,
    Logs, plus SQS, CloudWatch metrics and KMS for MWAA) behind a security group open on 443 to the VPC only."""

    vpc_id: pulumi.Output[str]
    private_subnet_ids: list[pulumi.Output[str]]
    private_subnet_cidrs: list[str]
    public_subnet_ids: list[pulumi.Output[str]]
    public_subnet_cidrs: list[str]
    zones: list[str]
    private_egress: list[pulumi.Resource]
    """The private subnets' default routes and route table associations: what a node needs to reach AWS's
    APIs through NAT when it boots, for the resources that must wait for it."""
    private_endpoints: list[pulumi.Resource]
    """The S3 gateway and interface endpoints, for what must reach AWS's APIs privately from its first boot
    (MWAA's workers with no route to the Internet)."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:network:Network", name, None, opts)
        problems = [*network_problems(args.network), *zone_problems(args.zones, args.network, args.region)]
        if problems:
            raise pulumi.RunError(component_input_error(name, "Network", problems))
        cidr = args.network.vpc_cidr
        child = pulumi.ResourceOptions(parent=self)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": name},
            opts=child,
        )
        in_vpc = pulumi.ResourceOptions(parent=vpc)
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": name}, opts=in_vpc)
        public_routes = aws.ec2.RouteTable(
            f"{name}-public-rt", vpc_id=vpc.id, tags={"Name": f"{name}-public"}, opts=in_vpc
        )
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_routes.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
            opts=pulumi.ResourceOptions(parent=public_routes),
        )

        plans = plan_subnets(cidr, args.zones[: args.network.az_count])
        public_subnets, private_subnets = [], []
        for index, plan in enumerate(plans):
            public = aws.ec2.Subnet(
                f"{name}-public-{index}",
                vpc_id=vpc.id,
                cidr_block=plan.public_cidr,
                availability_zone=plan.zone,
                tags={"Name": f"{name}-public-{plan.zone}", "kubernetes.io/role/elb": "1"},
                opts=in_vpc,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{index}-rta",
                subnet_id=public.id,
                route_table_id=public_routes.id,
                opts=pulumi.ResourceOptions(parent=public),
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                cidr_block=plan.private_cidr,
                availability_zone=plan.zone,
                tags={"Name": f"{name}-private-{plan.zone}", "kubernetes.io/role/internal-elb": "1"},
                opts=in_vpc,
            )
            public_subnets.append(public)
            private_subnets.append(private)

        nat_zones = nat_zone_indexes(len(plans), args.network.nat_gateway_per_az)
        nat_gateways = {}
        for index in nat_zones:
            public = public_subnets[index]
            eip = aws.ec2.Eip(
                f"{name}-nat-{index}-eip",
                domain="vpc",
                tags={"Name": f"{name}-nat-{index}"},
                opts=pulumi.ResourceOptions(parent=public),
            )
            nat_gateways[index] = aws.ec2.NatGateway(
                f"{name}-nat-{index}",
                subnet_id=public.id,
                allocation_id=eip.id,
                tags={"Name": f"{name}-nat-{index}"},
                opts=pulumi.ResourceOptions(parent=public),
            )
        private_route_tables = []
        private_egress: list[pulumi.Resource] = []
        for index, private in enumerate(private_subnets):
            nat = nat_gateways.get(index, nat_gateways[nat_zones[0]])
            routes = aws.ec2.RouteTable(
                f"{name}-private-{index}-rt",
                vpc_id=vpc.id,
                tags={"Name": f"{name}-private-{index}"},
                opts=pulumi.ResourceOptions(parent=private),
            )
            default_route = aws.ec2.Route(
                f"{name}-private-{index}-default",
                route_table_id=routes.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
                opts=pulumi.ResourceOptions(parent=routes),
            )
            association = aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}-rta",
                subnet_id=private.id,
                route_table_id=routes.id,
                opts=pulumi.ResourceOptions(parent=private),
            )
            private_route_tables.append(routes)
            private_egress += [default_route, association]

        s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[table.id for table in private_route_tables],
            opts=in_vpc,
        )
        endpoint_group = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            vpc_id=vpc.id,
            description="HTTPS from the VPC to AWS interface endpoints",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=[cidr],
                    description="HTTPS from the VPC",
                )
            ],
            tags={"Name": f"{name}-endpoints"},
            opts=in_vpc,
        )
        private_endpoints: list[pulumi.Resource] = [s3_endpoint]
        for service in (*INTERFACE_ENDPOINTS, *args.extra_interface_endpoints):
            endpoint = aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[subnet.id for subnet in private_subnets],
                security_group_ids=[endpoint_group.id],
                opts=in_vpc,
            )
            private_endpoints.append(endpoint)

        self.vpc_id = vpc.id
        self.private_subnet_ids = [subnet.id for subnet in private_subnets]
        self.public_subnet_ids = [subnet.id for subnet in public_subnets]
        # Known before any resource exists (the subnet plan), so NetworkPolicies can name them as plain values.
        self.private_subnet_cidrs = [plan.private_cidr for plan in plans]
        self.public_subnet_cidrs = [plan.public_cidr for plan in plans]
        self.zones = [plan.zone for plan in plans]
        self.private_egress = private_egress
        self.private_endpoints = private_endpoints
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "private_subnet_ids": self.private_subnet_ids,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_cidrs": self.private_subnet_cidrs,
                "public_subnet_cidrs": self.public_subnet_cidrs,
                "zones": self.zones,
                "private_egress": self.private_egress,
                "private_endpoints": self.private_endpoints,
            }
        )
