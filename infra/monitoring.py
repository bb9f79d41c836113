"""The Prometheus operator's objects for the release: a ServiceMonitor per exporter, and the alert rules. Pure data.

The workloads stage creates them (airflow_monitoring.AirflowMonitoring) when observability.prometheusOperator is on:
the ServiceMonitors point the cluster's Prometheus at the chart's statsd_exporter and pgbouncer exporter Services
(whose pods the NetworkPolicies open to it, network_policies.py), and the PrometheusRule is the one
observability/rules.py builds from observability/prometheus/rules.yaml, in the release's namespace.
https://prometheus-operator.dev/docs/api-reference/api/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.chart_facts import METRICS_PORT_NAMES, RELEASE_NAME, pod_labels
from infra.network_policies import SCRAPED
from observability.rules import prometheus_rule

Manifest = dict[str, Any]

SCRAPE_INTERVAL = "15s"
"""The alert rules' heartbeat windows (30 s) need the statsd series scraped every 15 s or more often."""
MONITOR_LABELS = {"app.kubernetes.io/name": "airflow", "app.kubernetes.io/component": "metrics"}


def monitoring_objects(namespace: str, labels: Mapping[str, str]) -> list[Manifest]:
    """The ServiceMonitors and the PrometheusRule, in `namespace`, each labelled with `labels` on top of its own
    (observability.monitorLabels: what the operator's serviceMonitorSelector and ruleSelector match)."""
    monitors = [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": {
                "name": f"{RELEASE_NAME}-{component}",
                "namespace": namespace,
                "labels": {**MONITOR_LABELS, **labels},
            },
            "spec": {
                # The chart's Service for the component carries its pods' labels.
                "selector": {"matchLabels": pod_labels(component)},
                "namespaceSelector": {"matchNames": [namespace]},
                "endpoints": [{"port": METRICS_PORT_NAMES[component], "interval": SCRAPE_INTERVAL}],
            },
        }
        for component in SCRAPED
    ]
    rule = prometheus_rule()
    rule["metadata"] = {**rule["metadata"], "namespace": namespace, "labels": {**rule["metadata"]["labels"], **labels}}
    return [*monitors, rule]
