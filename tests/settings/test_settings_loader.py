"""The settings source: loads, resolves per target, and refuses what Airflow would silently ignore."""

from __future__ import annotations

import textwrap

import pytest

from airflow_settings import TARGETS, SettingsError, load_settings
from airflow_settings.model import PLATFORM_SECTIONS, AirflowConfig
from airflow_settings.render import SecretPrefixes, as_env, as_helm_config, as_mwaa_options, secret_prefixes


def write_settings(tmp_path, text):
    path = tmp_path / "settings.yaml"
    path.write_text(textwrap.dedent(text))
    return path


class TestLoad:
    """The committed file and what each target gets from it."""

    def test_committed_settings_load_for_every_target(self):
        settings = load_settings()
        for target in TARGETS:
            assert settings.for_target(target)["core"]["load_examples"] is False

    def test_target_override_wins_over_shared_value(self, tmp_path):
        settings = load_settings(
            write_settings(
                tmp_path,
                """
            airflow:
              core: {executor: CeleryExecutor, parallelism: 8}
            targets:
              dev:
                core: {executor: LocalExecutor}
        """,
            )
        )
        assert settings.for_target("dev")["core"] == {"executor": "LocalExecutor", "parallelism": 8}
        assert settings.for_target("eks")["core"] == {"executor": "CeleryExecutor", "parallelism": 8}
        assert settings.target_specific_keys() == {("core", "executor")}

    def test_unknown_target_is_refused(self):
        with pytest.raises(SettingsError, match="unknown target 'laptop': choose one of dev, compose, eks, mwaa"):
            load_settings().for_target("laptop")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("airflow:\n  schedular: {}\n", r"airflow\.schedular: unknown key"),
        ("airflow:\n  core: {paralelism: 4}\n", r"airflow\.core\.paralelism: unknown key"),
        (
            "airflow:\n  core: {parallelism: four}\n",
            r"airflow\.core\.parallelism: Input should be a valid integer.*got 'four'.*"
            r"Fix: give airflow\.core\.parallelism",
        ),
        ("airflow:\n  core: {parallelism: 0}\n", r"airflow\.core\.parallelism: Input should be greater than 0"),
        (
            "airflow:\n  core: {load_examples: 'yes'}\n",
            r"airflow\.core\.load_examples: Input should be a valid boolean",
        ),
        ("airflow:\n  core: {executor: SequentialExecutor}\n", r"airflow\.core\.executor: Input should be"),
        ("airflow: {}\ntargets:\n  laptop: {}\n", r"targets\.laptop: unknown key"),
        (
            "airflow: {}\ntargets:\n  dev:\n    core: {executer: LocalExecutor}\n",
            r"targets\.dev\.core\.executer: unknown key",
        ),
        ("targets: {}\n", r"airflow: Field required"),
        ("airflow: [\n", r"cannot read settings"),
    ],
    ids=[
        "unknown-section",
        "unknown-key",
        "wrong-type",
        "out-of-range",
        "string-for-bool",
        "bad-executor",
        "unknown-target",
        "unknown-key-in-override",
        "missing-airflow",
        "not-yaml",
    ],
)
def test_bad_settings_are_refused_naming_the_key(tmp_path, text, expected):
    with pytest.raises(SettingsError, match=expected):
        load_settings(write_settings(tmp_path, text))


def test_every_declared_key_exists_in_airflow():
    """A key Airflow doesn't know would be ignored at run time, so the model may only declare real ones."""
    from airflow.configuration import retrieve_configuration_description

    known = retrieve_configuration_description(include_providers=True)
    missing = [
        f"[{section}] {key}"
        for section, model in AirflowConfig.model_fields.items()
        if section not in PLATFORM_SECTIONS
        for key in model.annotation.model_fields
        if key not in known.get(section, {}).get("options", {})
    ]
    assert not missing, f"declared in airflow_settings/model.py but unknown to Airflow: {missing}"
    clash = sorted(PLATFORM_SECTIONS & known.keys())
    assert not clash, f"the platform's own sections {clash} are now Airflow's: rename them in airflow_settings"


class TestRender:
    """One resolved config, three shapes."""

    config = {
        "core": {"executor": "CeleryExecutor", "load_examples": False, "parallelism": 8},
        "secrets": {"backend_kwargs": {"variables_prefix": "v", "connections_prefix": "c"}},
    }

    def test_env_uses_airflow_variable_names_and_strings(self):
        assert as_env(self.config) == {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__SECRETS__BACKEND_KWARGS": '{"connections_prefix": "c", "variables_prefix": "v"}',
        }

    def test_helm_config_is_sections_of_strings(self):
        assert as_helm_config(self.config)["core"] == {
            "executor": "CeleryExecutor",
            "load_examples": "False",
            "parallelism": "8",
        }

    def test_mwaa_options_are_dotted(self):
        assert as_mwaa_options(self.config)["core.load_examples"] == "False"
        assert as_mwaa_options(self.config)["secrets.backend_kwargs"].startswith('{"connections_prefix"')

    def test_secret_prefixes_come_from_the_backend_kwargs(self):
        assert secret_prefixes(self.config) == SecretPrefixes(connections="c", variables="v")

    @pytest.mark.parametrize("target", ["eks", "mwaa"])
    def test_aws_targets_name_both_prefixes(self, target):
        prefixes = secret_prefixes(load_settings().for_target(target))
        assert prefixes.connections and prefixes.variables

    def test_secret_prefixes_refuse_settings_without_them(self):
        with pytest.raises(SettingsError, match="lacks connections_prefix, variables_prefix.*fix: set both"):
            secret_prefixes(load_settings().for_target("dev"))
