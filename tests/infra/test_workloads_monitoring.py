"""The workloads stage on a cluster with the Prometheus operator (observability.prometheusOperator, the example stack
dev-monitored): ServiceMonitors for the chart's exporters and the alert rules as a PrometheusRule, and none of them
where the switch is off (the committed stacks). The NetworkPolicies that admit the scraper are judged with the
others by the flow matrix (tests/helm/test_network_policies.py)."""

from __future__ import annotations

import jmespath
import pytest
import yaml

from infra.chart_facts import CHART_PORTS
from observability.rules import PROMETHEUS_RULE_FILE
from tests.helm.chart_utils import render_stack
from tests.helm.network_flows import selects
from tests.infra.creation_order import assert_waits_for
from tests.infra.example_stacks import EKS_STACKS, MONITORED, VARIANTS, example_workloads
from tests.infra.harness import Built
from tests.infra.test_workloads_stage import WORKLOADS_COUNTS

pytestmark = pytest.mark.infra

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
COMPONENT = "airflow-aws:airflow_monitoring:AirflowMonitoring"
MONITOR_LABELS = VARIANTS[MONITORED][1]["airflow-aws:observability"]["monitorLabels"]


@pytest.fixture(scope="module")
def monitored() -> Built:
    return example_workloads(MONITORED)


def monitor(built: Built, component: str) -> dict:
    (found,) = [m for m in built.of_type(SERVICE_MONITOR) if m.inputs["metadata"]["name"] == f"airflow-{component}"]
    return found.inputs


class TestMonitoringObjects:
    """What the switch adds to the workloads stage."""

    def test_should_add_two_monitors_a_rule_and_the_scrapers_policies(self, monitored: Built):
        assert monitored.type_counts() == {
            **WORKLOADS_COUNTS,
            COMPONENT: 1,
            SERVICE_MONITOR: 2,
            PROMETHEUS_RULE: 1,
            # Prometheus into statsd_exporter's and the pgbouncer exporter's metrics ports.
            "kubernetes:networking.k8s.io/v1:NetworkPolicy": WORKLOADS_COUNTS[
                "kubernetes:networking.k8s.io/v1:NetworkPolicy"
            ]
            + 2,
        }

    @pytest.mark.parametrize("stack", EKS_STACKS)
    def test_should_add_nothing_where_the_switch_is_off(self, stack: str):
        created = example_workloads(stack).type_counts()
        assert not {COMPONENT, SERVICE_MONITOR, PROMETHEUS_RULE} & set(created)

    def test_should_label_every_object_for_the_operators_selectors(self, monitored: Built):
        for resource in [*monitored.of_type(SERVICE_MONITOR), *monitored.of_type(PROMETHEUS_RULE)]:
            metadata = resource.inputs["metadata"]
            assert metadata["namespace"] == "airflow"
            assert MONITOR_LABELS.items() <= metadata["labels"].items(), resource.name

    def test_should_parent_them_to_the_component_on_the_clusters_provider(self, monitored: Built):
        component = monitored.one(COMPONENT)
        provider = monitored.one("pulumi:providers:kubernetes")
        for resource in [*monitored.of_type(SERVICE_MONITOR), *monitored.of_type(PROMETHEUS_RULE)]:
            assert resource.parent == component.urn
            assert resource.providers == (provider.urn,)

    def test_should_create_them_once_the_namespace_exists(self, monitored: Built):
        namespace = monitored.one("kubernetes:core/v1:Namespace")
        for resource in [*monitored.of_type(SERVICE_MONITOR), *monitored.of_type(PROMETHEUS_RULE)]:
            assert_waits_for(monitored, resource, namespace)


class TestServiceMonitors:
    """Each monitor finds its exporter's Service, as the chart renders it, and scrapes it often enough."""

    @pytest.mark.parametrize(("component", "port"), [("statsd", "statsdScrape"), ("pgbouncer", "pgbouncerScrape")])
    def test_should_select_the_charts_service_and_its_metrics_port(self, monitored: Built, component: str, port: str):
        spec = monitor(monitored, component)["spec"]
        service = render_stack(MONITORED).get("Service", f"airflow-{component}")
        assert spec["namespaceSelector"] == {"matchNames": ["airflow"]}
        assert selects(spec["selector"], service["metadata"]["labels"])
        (endpoint,) = spec["endpoints"]
        ports = {entry["name"]: entry["port"] for entry in service["spec"]["ports"]}
        assert ports[endpoint["port"]] == CHART_PORTS[port]

    @pytest.mark.parametrize("component", ["statsd", "pgbouncer"])
    def test_should_select_no_other_service(self, monitored: Built, component: str):
        selector = monitor(monitored, component)["spec"]["selector"]
        rendered = render_stack(MONITORED)
        matching = [
            s["metadata"]["name"] for s in rendered.of_kind("Service") if selects(selector, s["metadata"]["labels"])
        ]
        assert matching == [f"airflow-{component}"]

    def test_should_scrape_statsd_within_the_heartbeat_alerts_window(self, monitored: Built):
        """SchedulerDown and its kin look at 30 s windows (observability/README.md): two scrapes in each."""
        (endpoint,) = monitor(monitored, "statsd")["spec"]["endpoints"]
        assert endpoint["interval"] == "15s"


class TestAlertRules:
    """The PrometheusRule the stack deploys is the one observability/ ships."""

    def test_should_deploy_the_shipped_rule_groups(self, monitored: Built):
        shipped = yaml.safe_load(PROMETHEUS_RULE_FILE.read_text())
        rule = monitored.one(PROMETHEUS_RULE).inputs
        assert (rule["apiVersion"], rule["kind"]) == (shipped["apiVersion"], shipped["kind"])
        assert rule["spec"] == shipped["spec"]
        assert rule["metadata"]["name"] == shipped["metadata"]["name"]
        assert shipped["metadata"]["labels"].items() <= rule["metadata"]["labels"].items()

    def test_should_hold_every_alert_the_readme_lists(self, monitored: Built):
        alerts = jmespath.search("spec.groups[].rules[].alert", monitored.one(PROMETHEUS_RULE).inputs)
        assert {"SchedulerDown", "TooManyTasksQueued", "DagImportErrors", "PgbouncerClientsWaiting"} <= set(alerts)
