"""The chart's statsd-exporter as Helm renders it: our mappings after the chart's, the same text and arguments the
native stack's statsd_exporter runs with (observability/statsd.py), so every target names its series alike."""

from __future__ import annotations

from pathlib import Path

import jmespath
import pytest

from infra.chart_facts import CHART_PORTS, METRICS_PORT_NAMES
from observability.statsd import CHART_MAPPING_PATH, exporter_args, extra_mappings, mapping_config
from tests.helm.chart_utils import render, render_stack
from tests.infra.example_stacks import EKS_STACKS


class TestStatsdMappings:
    """The airflow-statsd ConfigMap."""

    def test_should_pass_our_mappings_as_the_charts_extra_mappings(self):
        assert jmespath.search("statsd.extraMappings", render()) == extra_mappings()

    @pytest.mark.parametrize("stack", EKS_STACKS)
    def test_should_render_exactly_the_mapping_config_the_native_stack_runs(self, stack: str):
        config_map = render_stack(stack).get("ConfigMap", "airflow-statsd")
        assert config_map["data"]["mappings.yml"] == mapping_config()

    @pytest.mark.parametrize("stack", EKS_STACKS)
    def test_should_start_the_exporter_as_the_native_stack_does(self, stack: str):
        deployment = render_stack(stack).get("Deployment", "airflow-statsd")
        (container,) = jmespath.search("spec.template.spec.containers", deployment)
        assert container["args"] == exporter_args(Path(CHART_MAPPING_PATH))


class TestStatsdService:
    """The Service a ServiceMonitor scrapes (infra/monitoring.py names its port)."""

    @pytest.mark.parametrize("stack", EKS_STACKS)
    def test_should_expose_the_metrics_port_by_the_name_the_monitors_use(self, stack: str):
        rendered = render_stack(stack)
        for component, port in (("statsd", "statsdScrape"), ("pgbouncer", "pgbouncerScrape")):
            service = rendered.get("Service", f"airflow-{component}")
            ports = {entry["name"]: entry["port"] for entry in service["spec"]["ports"]}
            assert ports[METRICS_PORT_NAMES[component]] == CHART_PORTS[port]
