"""NetworkPolicies for the release namespace: default-deny, then exactly the flows Airflow 3 needs. Pure data.

The chart renders ingress-only policies for some components and has no egress options and no extra-objects list,
so everything else is here, as manifests the workloads stage creates beside the release:

- default-deny of ingress and egress for every pod of the namespace, and DNS to CoreDNS for all of them;
- egress, each rule naming its sources by their `component` label and its destination by the full label set of
  the chart's Service (so the VPC CNI resolves the ClusterIP) or by CIDR:
  - the Airflow components, both Jobs and the cleanup CronJob -> pgbouncer; pgbouncer alone -> RDS (private
    subnets, DB port);
  - scheduler and workers -> the Celery broker (private subnets, broker port);
  - workers, triggerer and dag-processor -> the api-server's Execution API;
  - api-server -> the workers' and triggerer's log servers (logs of running tasks);
  - the components with an IRSA role -> the interface endpoints (STS, Secrets Manager, Logs, ECR: private subnets,
    443); those that read or write task logs -> S3 (the region's S3 prefix list, reached through the gateway
    endpoint);
  - the Airflow components -> statsd;
  - the pods that fetch DAGs -> the git host's port anywhere outside the private ranges (no FQDN rules in
    standard NetworkPolicies, so the host can't be named);
  - with pod launching on, workers and triggerer -> the Kubernetes API;
- with the Prometheus operator on (observability.prometheusOperator), ingress from the Prometheus pods (by namespace
  and labels) to statsd_exporter's and the pgbouncer exporter's metrics ports, the only ingress rules here.

The chart's own policies (values in helm_values.py) admit the ingress side: the ALB and the Execution API
clients into the api-server, any Airflow pod and the KEDA operator into pgbouncer, Airflow pods into statsd and the
api-server into the log servers. Enforcement needs the VPC CNI's network policy agent (enableNetworkPolicy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from infra.chart_facts import CHART_PORTS, POD_COMPONENTS, RELEASE_NAME, pod_labels
from infra.components import SERVICE_ROLES
from infra.config_sections import DagsConfig, ObservabilityConfig

Manifest = dict[str, Any]

HTTPS_PORT = 443
DNS_PORT = 53
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10")
"""Left out of the git egress rule: in-VPC and link-local (IMDS) addresses are never a git host of ours."""

EXECUTION_API_CLIENTS = ("workers", "triggerer", "dagProcessor")
"""Components whose task runners or parsers call the api-server's Execution API (Airflow 3)."""
DATABASE_CLIENTS = (
    "apiServer",
    "scheduler",
    "dagProcessor",
    "triggerer",
    "workers",
    "migrateDatabaseJob",
    "createUserJob",
    "databaseCleanup",
)
"""Everything that opens the metadata DB, always through pgbouncer (pgbouncer.metadata_connection): the components,
both Jobs and the cleanup CronJob's pods."""
BROKER_CLIENTS = ("scheduler", "workers")
"""The Celery executor's sender and the Celery workers."""
STATSD_CLIENTS = ("apiServer", "scheduler", "dagProcessor", "triggerer", "workers")
"""Components that send metrics (config metrics.statsd_on)."""
POD_LAUNCHERS = ("workers", "triggerer")
"""Components that start pods when pod launching is on (KubernetesPodOperator and its deferrable trigger)."""
SCRAPED = {"statsd": "statsdScrape", "pgbouncer": "pgbouncerScrape"}
"""The exporters a Prometheus scrapes (values key -> their CHART_PORTS metrics port): statsd_exporter, and the
pgbouncer exporter sidecar in the pgbouncer pods."""
GIT_FETCHERS = {"git-sync": ("dagProcessor", "triggerer", "workers"), "git-bundle": ("dagProcessor", "workers")}
"""DAG source -> the components that fetch from git: the pods with the git-sync sidecar, or the ones that clone a
GitDagBundle (the dag-processor to parse, workers to run a task at its bundle version)."""


@dataclass(frozen=True)
class ReleaseNetwork:
    """Where the release runs and what it talks to, as plain values the policies are computed from."""

    namespace: str
    """Namespace of the release (the chart section's namespace)."""
    vpc_cidr: str
    """The VPC's IPv4 CIDR."""
    private_subnet_cidrs: tuple[str, ...]
    """The private subnets: RDS, ElastiCache and the interface endpoints live there (network_plan.plan_subnets)."""
    load_balancer_subnet_ids: tuple[str, ...]
    """The subnets the ingress ALB is placed in (annotation alb.ingress.kubernetes.io/subnets): the public ones,
    internal ALB or not, because no pod lives there (nodes and so pods are in the private subnets), so admitting
    them by CIDR admits the ALB and nothing else. An internal ALB there still has private addresses only."""
    load_balancer_cidrs: tuple[str, ...]
    """Those subnets' CIDRs, which the ALB connects to the api-server pods from (target type ip)."""
    s3_cidrs: tuple[str, ...]
    """The region's S3 prefix list (com.amazonaws.<region>.s3), the addresses the S3 gateway endpoint routes to.
    https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html"""
    service_cidr: str
    """The cluster's Service CIDR; the `kubernetes` Service's ClusterIP, which pod launchers call, is in it."""
    database_port: int
    """The metadata DB's port (database.POSTGRES_PORT)."""
    broker_port: int
    """The broker's port (broker.REDIS_PORT)."""


def git_port(repo: str) -> int:
    """The port a git URL is fetched on: https 443 and ssh 22 (also scp-like git@host:path), unless it names one."""
    if "://" not in repo:
        return 22
    url = urlsplit(repo)
    return url.port or {"https": HTTPS_PORT, "ssh": 22}[url.scheme]


def api_server_ingress_peers(network: ReleaseNetwork, *, ingress_enabled: bool) -> list[Manifest]:
    """The chart's `apiServer.networkPolicy.ingress.from`: the Execution API clients, and the ALB when there is
    one. Left empty, the chart's api-server policy admits nothing at all."""
    peers: list[Manifest] = [{"podSelector": {"matchLabels": pod_labels(key)}} for key in EXECUTION_API_CLIENTS]
    if ingress_enabled:
        peers += [{"ipBlock": {"cidr": cidr}} for cidr in network.load_balancer_cidrs]
    return peers


def network_policies(
    network: ReleaseNetwork,
    dags: DagsConfig,
    *,
    pod_launching: bool,
    observability: ObservabilityConfig,
) -> list[Manifest]:
    """Every NetworkPolicy the workloads stage creates beside the release, as manifests (the chart inputs'
    network, dags and pod_launching, and the stack's observability section): plain values, known before any
    resource exists."""
    private = [_cidr(cidr) for cidr in network.private_subnet_cidrs]
    policies = [
        _policy("default-deny", {}, []),
        _policy(
            "dns",
            {},
            [
                _egress(
                    [
                        {
                            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    (("UDP", DNS_PORT), ("TCP", DNS_PORT)),
                )
            ],
        ),
        _policy("to-pgbouncer", _sources(DATABASE_CLIENTS), [_to_pods("pgbouncer", CHART_PORTS["pgbouncer"])]),
        _policy(
            "pgbouncer-to-database", _sources(["pgbouncer"]), [_egress(private, (("TCP", network.database_port),))]
        ),
        _policy("to-broker", _sources(BROKER_CLIENTS), [_egress(private, (("TCP", network.broker_port),))]),
        _policy("to-execution-api", _sources(EXECUTION_API_CLIENTS), [_to_pods("apiServer", CHART_PORTS["apiServer"])]),
        _policy(
            "api-server-to-log-servers",
            _sources(["apiServer"]),
            [_to_pods("workers", CHART_PORTS["workerLogs"]), _to_pods("triggerer", CHART_PORTS["triggererLogs"])],
        ),
        _policy("to-aws-endpoints", _sources(SERVICE_ROLES), [_egress(private, (("TCP", HTTPS_PORT),))]),
        _policy(
            "to-s3",
            _sources([key for key, role in SERVICE_ROLES.items() if role.logs != "none"]),
            [_egress([_cidr(cidr) for cidr in network.s3_cidrs], (("TCP", HTTPS_PORT),))],
        ),
        _policy("to-statsd", _sources(STATSD_CLIENTS), [_to_pods("statsd", CHART_PORTS["statsdIngest"], "UDP")]),
        _policy(
            "to-git",
            _sources(GIT_FETCHERS[dags.source]),
            [_egress([_cidr("0.0.0.0/0", PRIVATE_RANGES)], (("TCP", git_port(dags.repo)),))],
        ),
    ]
    if pod_launching:
        api = [_cidr(network.vpc_cidr), _cidr(network.service_cidr)]
        policies.append(_policy("to-kubernetes-api", _sources(POD_LAUNCHERS), [_egress(api, (("TCP", HTTPS_PORT),))]))
    if observability.prometheus_operator:
        prometheus = {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": observability.prometheus_namespace}},
            "podSelector": {"matchLabels": dict(observability.prometheus_pod_labels)},
        }
        policies += [
            _policy(
                f"prometheus-to-{component}",
                {"matchLabels": pod_labels(component)},
                [],
                ingress=[{"from": [prometheus], "ports": [{"protocol": "TCP", "port": CHART_PORTS[port]}]}],
            )
            for component, port in SCRAPED.items()
        ]
    for policy in policies:
        policy["metadata"]["namespace"] = network.namespace
    return policies


def _policy(name: str, pod_selector: Manifest, egress: list[Manifest], *, ingress: Sequence[Manifest] = ()) -> Manifest:
    # Besides the default-deny, each policy lists only the direction it allows: the scrapers' ingress, or egress.
    types = ["Ingress", "Egress"] if name == "default-deny" else ["Ingress"] if ingress else ["Egress"]
    spec: Manifest = {"podSelector": pod_selector, "policyTypes": types}
    if egress:
        spec["egress"] = egress
    if ingress:
        spec["ingress"] = list(ingress)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"{RELEASE_NAME}-{name}", "labels": {"tier": "airflow", "release": RELEASE_NAME}},
        "spec": spec,
    }


def _sources(values_keys: Any) -> Manifest:
    """Pods of the release whose component is one of `values_keys`."""
    return {
        "matchLabels": {"tier": "airflow", "release": RELEASE_NAME},
        "matchExpressions": [
            {"key": "component", "operator": "In", "values": sorted(POD_COMPONENTS[key] for key in values_keys)}
        ],
    }


def _to_pods(values_key: str, port: int, protocol: str = "TCP") -> Manifest:
    return _egress([{"podSelector": {"matchLabels": pod_labels(values_key)}}], ((protocol, port),))


def _cidr(cidr: str, excepted: tuple[str, ...] = ()) -> Manifest:
    block: Manifest = {"cidr": cidr}
    if excepted:
        block["except"] = list(excepted)
    return {"ipBlock": block}


def _egress(peers: list[Manifest], ports: tuple[tuple[str, int], ...]) -> Manifest:
    return {"to": peers, "ports": [{"protocol": protocol, "port": port} for protocol, port in ports]}
