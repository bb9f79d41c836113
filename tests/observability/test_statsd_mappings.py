"""The statsd_exporter we run is the chart's, with the chart's mapping config plus ours, read from the pinned chart."""

from __future__ import annotations

import subprocess
import tarfile

import pytest
import yaml

from airflow_settings.versions import pin
from observability import statsd

# What observability.statsd emulates of templates/configmaps/statsd-configmap.yaml and the statsd Deployment:
# when a chart bump changes one of these lines, mapping_config() must follow (or become a helm render).
CONFIGMAP_TEMPLATE_LINES = (
    'tpl (.Files.Get "files/statsd-mappings.yml") . | nindent 4',
    "toYaml .Values.statsd.extraMappings | nindent 6",
    "ttl: {{ .Values.statsd.cache.ttl }}",
)
DEPLOYMENT_TEMPLATE_LINES = (
    '- "--statsd.cache-size={{ .Values.statsd.cache.size }}"',
    '- "--statsd.cache-type={{ .Values.statsd.cache.type }}"',
    "{{- range $arg := .Values.statsd.args }}",
)


def chart_file(member: str) -> str:
    with tarfile.open(statsd.chart_tarball()) as archive:
        return archive.extractfile(member).read().decode()


class TestMappingConfig:
    """mapping_config() is the chart's airflow-statsd ConfigMap mappings.yml with our extraMappings."""

    def test_should_hold_the_chart_mappings_first_then_ours(self):
        config = yaml.safe_load(statsd.mapping_config())
        chart = yaml.safe_load(statsd.TEMPLATE_COMMENT.sub("", chart_file(statsd.CHART_MAPPINGS)))["mappings"]

        assert config["mappings"] == chart + statsd.extra_mappings()
        assert config["defaults"] == {"ttl": statsd.chart_statsd_values()["cache"]["ttl"]}

    @pytest.mark.parametrize(
        ("template", "lines"),
        [
            ("airflow/templates/configmaps/statsd-configmap.yaml", CONFIGMAP_TEMPLATE_LINES),
            ("airflow/templates/statsd/statsd-deployment.yaml", DEPLOYMENT_TEMPLATE_LINES),
        ],
    )
    def test_should_follow_the_chart_templates_it_emulates(self, template: str, lines: tuple[str, ...]):
        text = chart_file(template)
        missing = [line for line in lines if line not in text]
        assert not missing, f"{template} changed: {missing} gone; update observability/statsd.py to match"

    def test_should_give_every_extra_mapping_a_name_and_labels_or_a_drop(self):
        for mapping in statsd.extra_mappings():
            assert mapping.get("labels") or mapping.get("action") == "drop", mapping

    def test_should_be_accepted_by_statsd_exporter(self, tmp_path):
        mappings = tmp_path / "mappings.yml"
        mappings.write_text(statsd.mapping_config())

        result = subprocess.run(
            [str(statsd.exporter_binary()), *statsd.exporter_args(mappings), "--check-config"],
            capture_output=True,
            text=True,
            timeout=30,
        )

        assert result.returncode == 0, result.stderr


class TestStatsdExporterBinary:
    """The binary make builds is the version of the chart's statsd image."""

    def test_should_pin_the_chart_image_version(self):
        image = yaml.safe_load(chart_file(statsd.CHART_VALUES))["images"]["statsd"]
        assert (image["repository"], image["tag"]) == (
            "quay.io/prometheus/statsd-exporter",
            f"v{pin('statsd-exporter').version}",
        )

    def test_should_report_the_pinned_version(self):
        result = subprocess.run([str(statsd.exporter_binary()), "--version"], capture_output=True, text=True)
        assert f"statsd_exporter, version {pin('statsd-exporter').version} " in result.stdout + result.stderr
