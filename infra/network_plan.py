"""CIDR maths for the network component: pure, unit-tested in tests/infra/test_pure_modules.py."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class SubnetPlan:
    zone: str
    public_cidr: str
    private_cidr: str


def plan_subnets(vpc_cidr: str, zones: list[str]) -> list[SubnetPlan]:
    """One public and one private subnet per zone, keyed by zone index so reordering tags never moves them.

    The VPC is cut into 8 equal blocks (/19 of a /16): blocks 0..5 hold private subnets (nodes, pods and data
    stores need the room); the last block is split into small public subnets (NAT gateways, load balancers).
    """
    vpc = ipaddress.IPv4Network(vpc_cidr)
    blocks = list(vpc.subnets(prefixlen_diff=3))
    if len(zones) > 6:
        raise ValueError(f"at most 6 zones fit the subnet plan, got {len(zones)}")
    public_blocks = list(blocks[-1].subnets(prefixlen_diff=3))
    return [
        SubnetPlan(zone=zone, public_cidr=str(public_blocks[index]), private_cidr=str(blocks[index]))
        for index, zone in enumerate(zones)
    ]


def nat_zone_indexes(zone_count: int, per_zone: bool) -> list[int]:
    """Zones that get a NAT gateway: every zone, or only the first when one shared gateway is enough."""
    return list(range(zone_count)) if per_zone else [0]
