"""NetworkPolicy semantics (networking.k8s.io/v1) over a set of endpoints: which flows a set of policies allows.

A flow src -> dst:port/protocol is allowed when both ends allow it: egress from src (if src is a pod some policy
with Egress selects, one of those policies' egress rules must match dst and the port) and ingress into dst (the
same for Ingress). ipBlock peers match by address, pods included, as the VPC CNI's agent does (pods have VPC
addresses); addresses outside every namespace (RDS, the ALB, the Internet) are never selected by a policy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Policy = Mapping[str, Any]


@dataclass(frozen=True)
class Endpoint:
    name: str
    ip: str
    namespace: str | None = None
    """None for an address outside the cluster's pods."""
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Flow:
    source: str
    destination: str
    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{self.source} -> {self.destination}:{self.port}/{self.protocol}"


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A LabelSelector; an empty one selects everything."""
    selector = selector or {}
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        present = key in labels
        if not {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[operator]:
            return False
    return True


def _peer_matches(peer: Mapping[str, Any], policy_namespace: str, endpoint: Endpoint) -> bool:
    if "ipBlock" in peer:
        address = ipaddress.ip_address(endpoint.ip)
        block = peer["ipBlock"]
        excepted = [ipaddress.ip_network(cidr) for cidr in block.get("except", [])]
        return address in ipaddress.ip_network(block["cidr"]) and not any(address in net for net in excepted)
    if endpoint.namespace is None:
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": endpoint.namespace}):
            return False
    elif endpoint.namespace != policy_namespace:
        return False
    return selects(peer.get("podSelector"), endpoint.labels)


def _port_matches(ports: list[Mapping[str, Any]] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for entry in ports:
        low = entry.get("port")
        high = entry.get("endPort", low)
        if entry.get("protocol", "TCP") == protocol and (low is None or int(low) <= port <= int(high)):
            return True
    return False


def _policy_types(policy: Policy) -> list[str]:
    spec = policy["spec"]
    return spec.get("policyTypes") or ["Ingress", *(["Egress"] if "egress" in spec else [])]


def _direction_allows(policies: Iterable[Policy], pod: Endpoint, direction: str, peer: Endpoint, flow: Flow) -> bool:
    if pod.namespace is None:
        return True
    selecting = [
        policy
        for policy in policies
        if policy["metadata"]["namespace"] == pod.namespace
        and direction in _policy_types(policy)
        and selects(policy["spec"].get("podSelector"), pod.labels)
    ]
    if not selecting:
        return True
    rules_key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    return any(
        (
            not rule.get(peers_key)
            or any(_peer_matches(p, policy["metadata"]["namespace"], peer) for p in rule[peers_key])
        )
        and _port_matches(rule.get("ports"), flow.port, flow.protocol)
        for policy in selecting
        for rule in policy["spec"].get(rules_key) or []
    )


def allowed(policies: list[Policy], endpoints: Mapping[str, Endpoint], flow: Flow) -> bool:
    source, destination = endpoints[flow.source], endpoints[flow.destination]
    return _direction_allows(policies, source, "Egress", destination, flow) and _direction_allows(
        policies, destination, "Ingress", source, flow
    )


def denied_of(policies: list[Policy], endpoints: Mapping[str, Endpoint], flows: Iterable[Flow]) -> list[str]:
    return [str(flow) for flow in flows if not allowed(policies, endpoints, flow)]


def allowed_of(policies: list[Policy], endpoints: Mapping[str, Endpoint], flows: Iterable[Flow]) -> list[str]:
    return [str(flow) for flow in flows if allowed(policies, endpoints, flow)]
