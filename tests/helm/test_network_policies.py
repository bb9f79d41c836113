"""NetworkPolicies of the release namespace: the chart's, as rendered, plus the ones the stack creates beside it.

The flows Airflow 3 needs are written out below, apart from infra/network_policies.py, and checked against the
policies' semantics (tests/helm/network_flows.py) on endpoints placed where the stack puts them. Removing any
allow rule, peer or port must deny a needed flow; widening one must allow an unneeded one.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
from typing import Any

import pytest

from infra.config_sections import PROMETHEUS_POD_LABELS
from tests.helm.chart_utils import Rendered, render_stack, stack_config_of
from tests.helm.network_flows import Endpoint, Flow, allowed_of, denied_of
from tests.infra.example_stacks import EKS_STACKS, MONITORED, committed, example_stack
from tests.infra.harness import S3_CIDRS

AIRFLOW = ("api-server", "scheduler", "dag-processor", "triggerer", "worker")
JOBS = ("run-airflow-migrations", "create-user-job", "database-cleanup")
"""The pods that run once and end: both Jobs and the cleanup CronJob's."""
GIT_FETCHERS = {"dev": ("dag-processor", "triggerer", "worker"), "prod": ("dag-processor", "worker")}
"""dev syncs DAGs with git-sync (sidecars in three pods), prod clones a GitDagBundle (dag-processor and workers)."""
GIT_HOST = "140.82.121.4"
INGRESS = {"dev": False, "prod": True}
FLOW_STACKS = (*EKS_STACKS, MONITORED)
"""The committed EKS stacks, and dev on a cluster with the Prometheus operator (its scraper admitted)."""


def scraped(stack: str) -> bool:
    """Whether the stack's Prometheus (observability.prometheusOperator) scrapes the exporters."""
    return stack_config_of(stack).observability.prometheus_operator


@functools.cache
def stack_policies(stack: str) -> list[dict[str, Any]]:
    """The chart's NetworkPolicies (helm template leaves out the namespace; Helm installs them into it) and the
    ones the program creates beside the release."""
    rendered = render_stack(stack)
    chart = [
        {**policy, "metadata": {**policy["metadata"], "namespace": rendered.namespace}}
        for policy in rendered.of_kind("NetworkPolicy")
    ]
    created = [
        {"metadata": r.inputs["metadata"], "spec": r.inputs["spec"]}
        for r in example_stack(stack).of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    ]
    assert created, f"{stack}: the program creates no NetworkPolicy beside the release"
    return chart + created


def _hosts(cidrs: list[str], offset: int) -> list[str]:
    return [str(ipaddress.ip_network(cidr)[offset]) for cidr in cidrs]


@functools.cache
def stack_endpoints(stack: str) -> dict[str, Endpoint]:
    """The release's pods and what they talk to, one endpoint per subnet where a service spans subnets."""
    rendered = render_stack(stack)
    built = example_stack(stack)
    subnets = {"private": [], "public": []}
    for subnet in built.of_type("aws:ec2/subnet:Subnet"):
        subnets["public" if "kubernetes.io/role/elb" in subnet.inputs["tags"] else "private"].append(
            subnet.inputs["cidrBlock"]
        )
    private = subnets["private"]
    endpoints: dict[str, Endpoint] = {}
    pod_hosts = iter(ipaddress.ip_network(private[0]).hosts())
    for _, template in rendered.pod_templates():
        labels = template["metadata"]["labels"]
        endpoints[labels["component"]] = Endpoint(labels["component"], str(next(pod_hosts)), rendered.namespace, labels)
    endpoints["keda-operator"] = Endpoint("keda-operator", str(next(pod_hosts)), "keda", {"app": "keda-operator"})
    endpoints["kube-dns"] = Endpoint("kube-dns", str(next(pod_hosts)), "kube-system", {"k8s-app": "kube-dns"})
    endpoints["other-namespace"] = Endpoint("other-namespace", str(next(pod_hosts)), "default", {"app": "x"})
    # The operator's Prometheus in its namespace; a pod beside it, and one with its labels elsewhere, are not it.
    monitoring = stack_config_of(stack).observability.prometheus_namespace
    endpoints["prometheus"] = Endpoint("prometheus", str(next(pod_hosts)), monitoring, PROMETHEUS_POD_LABELS)
    endpoints["grafana"] = Endpoint("grafana", str(next(pod_hosts)), monitoring, {"app.kubernetes.io/name": "grafana"})
    endpoints["prometheus-elsewhere"] = Endpoint(
        "prometheus-elsewhere", str(next(pod_hosts)), "default", PROMETHEUS_POD_LABELS
    )
    for kind, offset in (("rds", 400), ("redis", 500), ("aws-endpoint", 600)):
        for index, ip in enumerate(_hosts(private, offset)):
            endpoints[f"{kind}-{index}"] = Endpoint(f"{kind}-{index}", ip)
    # The ingress ALB's nodes, in the public subnets its Ingress names (alb.ingress.kubernetes.io/subnets).
    for index, ip in enumerate(_hosts(subnets["public"], 30)):
        endpoints[f"alb-{index}"] = Endpoint(f"alb-{index}", ip)
    for index, ip in enumerate(_hosts(S3_CIDRS, 9)):
        endpoints[f"s3-{index}"] = Endpoint(f"s3-{index}", ip)
    endpoints["git"] = Endpoint("git", GIT_HOST)
    endpoints["internet"] = Endpoint("internet", "8.8.8.8")
    endpoints["imds"] = Endpoint("imds", "169.254.169.254")
    return endpoints


def _each(endpoints: dict[str, Endpoint], kind: str) -> list[str]:
    return sorted(name for name in endpoints if name.startswith(f"{kind}-"))


def needed_flows(stack: str) -> list[Flow]:
    endpoints = stack_endpoints(stack)
    flows = [
        *[Flow(c, "api-server", 8080) for c in ("worker", "triggerer", "dag-processor")],
        *[Flow(c, "pgbouncer", 6543) for c in AIRFLOW + JOBS],
        Flow("keda-operator", "pgbouncer", 6543),
        *[Flow("pgbouncer", rds, 5432) for rds in _each(endpoints, "rds")],
        *[Flow(c, redis, 6379) for c in ("scheduler", "worker") for redis in _each(endpoints, "redis")],
        *[Flow(c, e, 443) for c in AIRFLOW for e in _each(endpoints, "aws-endpoint")],
        *[Flow(c, s3, 443) for c in ("api-server", "triggerer", "worker") for s3 in _each(endpoints, "s3")],
        *[Flow(c, "statsd", 9125, "UDP") for c in AIRFLOW],
        Flow("api-server", "worker", 8793),
        Flow("api-server", "triggerer", 8794),
        *[Flow(c, "kube-dns", 53, p) for c in (*AIRFLOW, *JOBS, "pgbouncer") for p in ("UDP", "TCP")],
        *[Flow(c, "git", 443) for c in GIT_FETCHERS[committed(stack)]],
    ]
    if INGRESS[committed(stack)]:
        flows += [Flow(alb, "api-server", 8080) for alb in _each(endpoints, "alb")]
    if scraped(stack):
        flows += [Flow("prometheus", "statsd", 9102), Flow("prometheus", "pgbouncer", 9127)]
    return flows


def unneeded_flows(stack: str) -> list[Flow]:
    endpoints = stack_endpoints(stack)
    pods = (*AIRFLOW, *JOBS, "pgbouncer", "statsd")
    fetchers = GIT_FETCHERS[committed(stack)]
    flows = [
        *[Flow(c, "rds-0", 5432) for c in (*AIRFLOW, *JOBS)],
        *[Flow(c, "internet", 443) for c in pods if c not in fetchers],
        *[Flow(c, "internet", port) for c in pods for port in (80, 22, 5432)],
        *[Flow(c, "imds", 80) for c in pods],
        *[Flow(c, "redis-0", 6379) for c in ("api-server", "dag-processor", "triggerer", "pgbouncer", *JOBS)],
        *[Flow(c, "aws-endpoint-0", 443) for c in ("pgbouncer", "statsd", *JOBS)],
        # The git rule reaches every public address on 443, S3's included: only the others are kept from S3.
        *[Flow(c, "s3-0", 443) for c in ("scheduler", "dag-processor", "pgbouncer", *JOBS) if c not in fetchers],
        *[Flow(c, "git", 443) for c in pods if c not in fetchers],
        Flow("scheduler", "api-server", 8080),
        Flow("worker", "pgbouncer", 9127),
        Flow("statsd", "pgbouncer", 6543),
        Flow("other-namespace", "pgbouncer", 6543),
        Flow("other-namespace", "api-server", 8080),
        Flow("other-namespace", "worker", 8793),
        # The pods no chart policy selects: only the default-deny keeps them closed.
        *[Flow("other-namespace", c, 8080) for c in ("dag-processor", *JOBS)],
        Flow("worker", "worker", 8793),
        Flow("worker", "kube-dns", 8080),
        # The scraper reaches the metrics ports alone, and nothing but the scraper does.
        *[Flow("prometheus", c, port) for c, port in (("pgbouncer", 6543), ("api-server", 8080), ("worker", 8793))],
        *[Flow(c, "statsd", 9102) for c in ("grafana", "prometheus-elsewhere")],
        *[Flow(c, "pgbouncer", 9127) for c in ("grafana", "prometheus-elsewhere")],
    ]
    if not INGRESS[committed(stack)]:
        flows.append(Flow("alb-0", "api-server", 8080))
    if not scraped(stack):
        flows += [Flow("prometheus", "statsd", 9102), Flow("prometheus", "pgbouncer", 9127)]
    assert {f.source for f in flows} | {f.destination for f in flows} <= set(endpoints)
    return flows


def allow_units(policy: dict[str, Any], *, with_ports: bool) -> list[tuple[str, ...]]:
    """Paths to every rule, peer and (when `with_ports`) port of a policy, the units an allow is made of."""
    units = []
    for rules_key, peers_key in (("ingress", "from"), ("egress", "to")):
        for r, rule in enumerate(policy["spec"].get(rules_key) or []):
            units.append((rules_key, str(r)))
            units += [(rules_key, str(r), peers_key, str(p)) for p in range(len(rule.get(peers_key) or []))]
            if with_ports:
                units += [(rules_key, str(r), "ports", str(p)) for p in range(len(rule.get("ports") or []))]
    return units


def without(policies: list[dict[str, Any]], index: int, unit: tuple[str, ...]) -> list[dict[str, Any]]:
    """`policies` with one unit removed; a rule left with no peers or ports is dropped whole (an empty list would
    widen it to everything)."""
    changed = copy.deepcopy(policies)
    rules = changed[index]["spec"][unit[0]]
    if len(unit) == 2:
        del rules[int(unit[1])]
    else:
        rule = rules[int(unit[1])]
        del rule[unit[2]][int(unit[3])]
        if not rule[unit[2]]:
            del rules[int(unit[1])]
    return changed


def mutations(stack: str) -> list[tuple[str, int, tuple[str, ...]]]:
    """(policy name, index, unit) of every allow unit: rules and peers of the chart's policies (their ports include
    the metrics ports of a Prometheus we don't run), rules, peers and ports of ours."""
    policies = stack_policies(stack)
    return [
        (policy["metadata"]["name"], index, unit)
        for index, policy in enumerate(policies)
        for unit in allow_units(policy, with_ports=policy["metadata"].get("labels", {}).get("heritage") != "Helm")
    ]


@pytest.mark.parametrize("stack", FLOW_STACKS)
class TestFlowMatrix:
    """Every needed flow allowed, every unneeded one denied."""

    def test_should_allow_every_flow_airflow_needs(self, stack: str):
        denied = denied_of(stack_policies(stack), stack_endpoints(stack), needed_flows(stack))
        assert denied == [], f"{stack}: needed flows are denied"

    def test_should_deny_unneeded_flows(self, stack: str):
        allowed = allowed_of(stack_policies(stack), stack_endpoints(stack), unneeded_flows(stack))
        assert allowed == [], f"{stack}: unneeded flows are allowed"

    def test_should_need_every_allow_rule_peer_and_port(self, stack: str):
        endpoints, needed = stack_endpoints(stack), needed_flows(stack)
        policies = stack_policies(stack)
        superfluous = [
            f"{name} {'/'.join(unit)}"
            for name, index, unit in mutations(stack)
            if not denied_of(without(policies, index, unit), endpoints, needed)
        ]
        assert superfluous == [], f"{stack}: removing these denies no needed flow, so they allow too much"


WIDENINGS = {
    "an allow-all egress policy for workers": lambda p: [
        *p,
        {
            "metadata": {"name": "allow-all", "namespace": p[0]["metadata"]["namespace"]},
            "spec": {
                "podSelector": {"matchLabels": {"component": "worker"}},
                "policyTypes": ["Egress"],
                "egress": [{}],
            },
        },
    ],
    "pgbouncer to the database on any port": lambda p: _edit(p, "airflow-pgbouncer-to-database", "egress", "ports"),
    "the AWS endpoints anywhere": lambda p: _edit(p, "airflow-to-aws-endpoints", "egress", "to"),
    "git egress into the private ranges": lambda p: _edit(p, "airflow-to-git", "egress", "to", "except"),
    "DNS to any pod": lambda p: _edit(p, "airflow-dns", "egress", "to"),
    "no default-deny": lambda p: [policy for policy in p if policy["metadata"]["name"] != "airflow-default-deny"],
}


def _edit(policies: list[dict[str, Any]], name: str, rules_key: str, key: str, block_key: str | None = None):
    changed = copy.deepcopy(policies)
    (policy,) = [policy for policy in changed if policy["metadata"]["name"] == name]
    for rule in policy["spec"][rules_key]:
        if block_key is None:
            rule.pop(key)
        else:
            for peer in rule[key]:
                peer["ipBlock"].pop(block_key)
    return changed


@pytest.mark.parametrize("stack", EKS_STACKS)
@pytest.mark.parametrize("widening", WIDENINGS)
def test_a_policy_that_allows_too_much_is_caught(stack: str, widening: str):
    widened = WIDENINGS[widening](stack_policies(stack))
    endpoints = dict(stack_endpoints(stack))
    # In-VPC addresses on the git port that nothing of Airflow's listens on, to show the except list matters.
    endpoints["in-vpc"] = Endpoint("in-vpc", "10.99.0.1")
    flows = [*unneeded_flows(stack), Flow("dag-processor", "in-vpc", 443), Flow("worker", "other-namespace", 53)]
    assert allowed_of(widened, endpoints, flows), f"{stack}: {widening} went unnoticed"


@pytest.mark.parametrize("selector", ["namespaceSelector", "podSelector"])
def test_a_scraper_rule_that_admits_too_much_is_caught(selector: str):
    """Either selector of the scraper's peer, emptied, admits pods that are not the operator's Prometheus."""
    widened = copy.deepcopy(stack_policies(MONITORED))
    scraper_rules = [p for p in widened if p["metadata"]["name"].startswith("airflow-prometheus-to-")]
    assert len(scraper_rules) == 2
    for policy in scraper_rules:
        for rule in policy["spec"]["ingress"]:
            for peer in rule["from"]:
                peer[selector] = {}
    assert allowed_of(widened, stack_endpoints(MONITORED), unneeded_flows(MONITORED))


@pytest.mark.parametrize("stack", FLOW_STACKS)
def test_the_stack_pods_are_the_ones_the_flows_name(stack: str):
    rendered: Rendered = render_stack(stack)
    components = {template["metadata"]["labels"]["component"] for _, template in rendered.pod_templates()}
    assert components == {*AIRFLOW, *JOBS, "pgbouncer", "statsd"}
