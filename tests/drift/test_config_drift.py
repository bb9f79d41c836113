"""Config drift: the compose stack, the EKS Helm values and the MWAA options run the same Airflow settings.

Each target's effective settings are read from what that target really receives:
- compose: the `AIRFLOW__SECTION__KEY` environment of each Airflow service in docker-compose.yaml;
- EKS: the chart's `config:` in the values infra.helm_values.chart_values() hands to helm.v3.Release;
- MWAA: infra.mwaa_rules.mwaa_configuration_options(), plus what MWAA runs for the options it refuses.

For every setting airflow_settings manages, the three must agree, except the (section, key) pairs that
settings.yaml's `targets:` overrides (Settings.target_specific_keys(), each override commented there with its
reason); those must equal their own target's value. Keys outside the managed set are per-target wiring
(connection strings, buckets, secrets) and are not compared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import yaml

from airflow_settings import SETTINGS_FILE, TARGETS, Settings, load_settings
from airflow_settings.render import to_airflow_string
from airflow_settings.versions import AIRFLOW_VERSION
from infra import helm_values, mwaa_rules
from infra.chart_images import ecr_registry
from infra.components import SERVICE_ACCOUNTS
from infra.config_sections import DagsConfig, IngressConfig
from infra.network_policies import ReleaseNetwork

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yaml"
COMPARED_TARGETS = ("compose", "eks", "mwaa")

Key = tuple[str, str]
Effective = dict[Key, str]

# What MWAA runs for the options it refuses in airflow_configuration_options (infra.mwaa_rules.
# REFUSED_OPTIONS), as its image configures it (aws/amazon-mwaa-docker-images, python/mwaa/config/airflow.py):
# the executor is always Celery on SQS, configured from MWAA's own Celery module, IAM sign-in goes through the
# FAB auth manager, and the log level reaches every log type through the environment's logging_configuration
# instead of an option.
MWAA_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
MWAA_FIXED = {
    ("core", "executor"): lambda settings: "CeleryExecutor",
    ("core", "auth_manager"): lambda settings: MWAA_AUTH_MANAGER,
    ("celery", "celery_config_options"): lambda settings: "mwaa.config.celery.MWAA_CELERY_CONFIG",
    ("logging", "logging_level"): mwaa_rules.mwaa_log_level,
}


def managed_keys(settings: Settings) -> set[Key]:
    """Every (section, key) settings.yaml sets, shared or for any target."""
    return {
        (section, key)
        for target in COMPARED_TARGETS
        for section, options in settings.for_target(target).items()
        for key in options
    }


def compose_effective() -> dict[str, Effective]:
    """Airflow settings per compose service; services without AIRFLOW__ variables (postgres...) left out."""
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing. Fix: generate it with `python -m local_airflow.compose`"
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    found = {}
    for name, service in services.items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        settings = {
            tuple(variable.lower().split("__")[1:3]): str(value)
            for variable, value in environment.items()
            if variable.startswith("AIRFLOW__") and variable.count("__") == 2
        }
        if settings:
            found[name] = settings
    return found


def chart_inputs(settings: Settings) -> helm_values.ChartInputs:
    """The eks target's settings, and plausible infra outputs: the config-drift check only reads `config:`,
    which none of the outputs feeds."""
    return helm_values.ChartInputs(
        airflow_version=AIRFLOW_VERSION,
        image_repository="123456789012.dkr.ecr.eu-west-1.amazonaws.com/airflow",
        image_tag=AIRFLOW_VERSION,
        logs_bucket="airflow-drift-logs",
        region="eu-west-1",
        role_arns={
            component: f"arn:aws:iam::123456789012:role/{account}" for component, account in SERVICE_ACCOUNTS.items()
        },
        settings=settings.for_target("eks"),
        dags=DagsConfig(source="git-sync", repo="https://example.com/dags.git"),
        ingress=IngressConfig(enabled=False, internal=True),
        # The image and network wiring: the config-drift check reads none of it.
        registry=ecr_registry("123456789012", "eu-west-1"),
        network=ReleaseNetwork(
            "airflow",
            "10.0.0.0/16",
            ("10.0.0.0/19",),
            ("subnet-0",),
            ("10.0.224.0/22",),
            (),
            "172.20.0.0/16",
            5432,
            6379,
        ),
    )


def helm_effective(settings: Settings) -> Effective:
    config = helm_values.chart_values(chart_inputs(settings))["config"]
    return {(section, key): value for section, options in config.items() for key, value in options.items()}


def mwaa_effective(settings: Settings) -> Effective:
    target = settings.for_target("mwaa")
    options = mwaa_rules.mwaa_configuration_options(target)
    effective = {tuple(name.split(".", 1)): value for name, value in options.items()}
    effective.update({key: derive(target) for key, derive in MWAA_FIXED.items()})
    return effective


def documents(settings: Settings) -> dict[str, Effective]:
    """One effective-settings map per compared target (every compose service gets its own entry)."""
    found = {f"compose:{service}": values for service, values in compose_effective().items()}
    assert found, f"{COMPOSE_FILE} has no service with AIRFLOW__ settings"
    return {**found, "eks": helm_effective(settings), "mwaa": mwaa_effective(settings)}


def drift(settings: Settings, found: Mapping[str, Effective]) -> list[str]:
    """Every disagreement, as "section.key: ..." lines (empty when the targets agree)."""
    specific = settings.target_specific_keys()
    expected = {
        target: {
            (section, key): to_airflow_string(value)
            for section, options in settings.for_target(target).items()
            for key, value in options.items()
        }
        for target in COMPARED_TARGETS
    }
    problems = []
    for key in sorted(managed_keys(settings)):
        name = ".".join(key)
        seen = {document: values.get(key) for document, values in found.items()}
        for document, value in seen.items():
            wanted = expected[document.split(":")[0]].get(key)
            if value == wanted:
                continue  # equal, or unset on both sides: Airflow's default applies
            if value is None:
                problems.append(f"{name}: missing from {document} (expected {wanted!r})")
            else:
                problems.append(
                    f"{name}: {document} has {value!r}, settings.yaml gives {document.split(':')[0]} {wanted!r}"
                )
        if key not in specific and len({value for value in seen.values() if value is not None}) > 1:
            problems.append(f"{name}: not target-specific, yet the targets disagree: {seen}")
    return problems


class TestConfigDrift:
    """The three targets run the same settings, except the declared target-specific keys."""

    def test_compose_helm_and_mwaa_agree_except_declared_target_specific_keys(self):
        settings = load_settings()

        problems = drift(settings, documents(settings))

        assert not problems, (
            "Airflow settings drifted between compose, Helm and MWAA:\n  "
            + "\n  ".join(problems)
            + "\nFix: change the value in airflow_settings/settings.yaml (under `targets:`, with a comment, "
            "if it must differ), then regenerate docker-compose.yaml (python -m local_airflow.compose)."
        )

    def test_every_declared_target_specific_key_really_differs(self):
        """An override equal to the shared value would widen the allowed differences for nothing."""
        settings = load_settings()

        for section, key in sorted(settings.target_specific_keys()):
            values = {target: settings.for_target(target).get(section, {}).get(key) for target in TARGETS}
            assert len({repr(value) for value in values.values()}) > 1, (
                f"{section}.{key} is declared target-specific in settings.yaml but has one value everywhere: "
                f"{values}. Fix: drop the override"
            )


# Each mutation changes one setting in one place only, the way a hand edit would.
def edit_compose(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = COMPOSE_FILE.read_text()
    assert "AIRFLOW__CORE__PARALLELISM: '32'" in text
    edited = tmp_path / "docker-compose.yaml"
    edited.write_text(text.replace("AIRFLOW__CORE__PARALLELISM: '32'", "AIRFLOW__CORE__PARALLELISM: '64'"))
    monkeypatch.setattr(f"{__name__}.COMPOSE_FILE", edited)


def edit_helm_overlay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    wiring = helm_values.infra_wiring_config
    monkeypatch.setattr(
        helm_values, "infra_wiring_config", lambda inputs: {**wiring(inputs), "core": {"parallelism": "64"}}
    )


def edit_mwaa_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(mwaa_rules.REFUSED_OPTIONS, "core.parallelism", "dropped by a hand edit")


def edited_settings(tmp_path: Path, edit: Callable[[dict], None]) -> Settings:
    """settings.yaml as loaded, changed by edit, written to tmp_path and read back through the loader."""
    raw = yaml.safe_load(SETTINGS_FILE.read_text())
    edit(raw)
    edited = tmp_path / "settings.yaml"
    edited.write_text(yaml.safe_dump(raw))
    return load_settings(edited)


def edit_settings_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """settings.yaml changed, docker-compose.yaml not regenerated."""
    assert yaml.safe_load(SETTINGS_FILE.read_text())["airflow"]["core"]["parallelism"] == 32
    settings = edited_settings(tmp_path, lambda raw: raw["airflow"]["core"].update(parallelism=64))
    monkeypatch.setattr(f"{__name__}.load_settings", lambda: settings)


class TestDriftIsCaught:
    """Changing a setting in one place only fails the check, naming the key and where it differs."""

    @pytest.mark.parametrize(
        "edit, culprit",
        [
            (edit_compose, "compose:airflow-scheduler has '64'"),
            (edit_helm_overlay, "eks has '64'"),
            (edit_mwaa_rules, "missing from mwaa"),
            (edit_settings_only, "compose:airflow-scheduler has '32', settings.yaml gives compose '64'"),
        ],
        ids=["compose-file", "helm-overlay", "mwaa-options", "settings-without-regenerating-compose"],
    )
    def test_should_report_the_edited_key(
        self, monkeypatch, tmp_path, edit: Callable[[pytest.MonkeyPatch, Path], None], culprit: str
    ):
        edit(monkeypatch, tmp_path)
        settings = load_settings()

        problems = drift(settings, documents(settings))

        reported = [problem for problem in problems if problem.startswith("core.parallelism: ")]
        assert any(culprit in problem for problem in reported), problems
        assert {problem.split(":")[0] for problem in problems} == {"core.parallelism"}, problems

    def test_should_fail_when_a_target_specific_override_is_removed_but_compose_keeps_it(self, tmp_path):
        settings = edited_settings(
            tmp_path, lambda raw: raw["targets"]["compose"]["core"].pop("dags_are_paused_at_creation")
        )

        problems = drift(settings, documents(settings))

        culprit = "core.dags_are_paused_at_creation: compose:"
        assert any(problem.startswith(culprit) for problem in problems), problems
