"""Schema gate: committed values and the final merged values against the official chart's schema."""

from pathlib import Path

import jmespath
import pytest
import yaml

from infra.config_sections import DagsConfig, IngressConfig
from infra.helm_values import HELM_VALUES_DIR, ValuesError, chart_values, committed_files
from tests.helm.chart_utils import DEFAULT_INPUTS, chart_defaults, render, schema_errors

COMMITTED = sorted(HELM_VALUES_DIR.glob("*.yaml"))


class TestCommittedValues:
    """Each helm_values/*.yaml, as reviewed by humans."""

    @pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
    def test_should_validate_against_the_tightened_chart_schema(self, path: Path):
        errors = schema_errors(yaml.safe_load(path.read_text()))
        assert not errors, f"{path.name} breaks the chart schema:\n" + "\n".join(errors)

    @pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
    def test_should_not_set_airflow_config(self, path: Path):
        assert "config" not in yaml.safe_load(path.read_text()), (
            f"{path.name} sets `config:`; Airflow settings belong in airflow_settings/settings.yaml"
        )

    def test_should_layer_size_file_over_base(self):
        assert [path.name for path in committed_files("prod")] == ["base.yaml", "prod.yaml"]
        assert [path.name for path in committed_files("dev")] == ["base.yaml"]


class TestFinalValues:
    """What helm.v3.Release receives: committed files plus the infra overlay."""

    @pytest.mark.parametrize("size", ["dev", "prod"])
    @pytest.mark.parametrize("source", ["git-sync", "git-bundle"])
    def test_should_validate_for_every_size_and_dag_source(self, size: str, source: str):
        values = render(
            size=size,
            dags=DagsConfig(
                source=source,
                repo="https://example.com/dags.git",
                credentials_secret="git-creds" if source == "git-sync" else None,
            ),
            ingress=IngressConfig(
                enabled=True,
                internal=True,
                host="airflow.example.com",
                certificate_arn="arn:aws:acm:eu-west-1:111122223333:certificate/x",
            ),
        )
        errors = schema_errors(values)
        assert not errors, "merged values break the chart schema:\n" + "\n".join(errors)

    def test_should_reject_a_misspelled_key(self):
        errors = schema_errors({**render(), "schedulr": {"replicas": 2}})
        assert any("schedulr" in error for error in errors)

    def test_should_pin_the_airflow_version_everywhere(self):
        values = render()
        assert jmespath.search("[airflowVersion, defaultAirflowTag]", values) == ["3.3.1", "3.3.1"]
        assert chart_defaults()["airflowVersion"] != "3.3.1", "the chart default must not be what makes this pass"

    def test_should_refuse_committed_values_that_the_overlay_owns(self, tmp_path: Path):
        (tmp_path / "base.yaml").write_text("fernetKeySecretName: hand-made\n")
        with pytest.raises(ValuesError, match="fernetKeySecretName"):
            chart_values(DEFAULT_INPUTS, values_dir=tmp_path)

    def test_should_refuse_committed_config(self, tmp_path: Path):
        (tmp_path / "base.yaml").write_text("config:\n  core:\n    parallelism: '8'\n")
        with pytest.raises(ValuesError, match="airflow_settings"):
            chart_values(DEFAULT_INPUTS, values_dir=tmp_path)
