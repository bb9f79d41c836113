"""No secret value in committed config (Helm values, Pulumi stacks, compose files) or rendered settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from airflow_settings import load_settings
from airflow_settings.render import as_env, as_helm_config, as_mwaa_options
from tests.security.secret_scan import scan_yaml_file, structural_findings

REPO_ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", ".venv-infra", ".git", ".state", ".cache", "node_modules", "build", "dist"}
TARGETS = ("dev", "compose", "eks", "mwaa")


def _committed(pattern: str) -> list[Path]:
    return sorted(p for p in REPO_ROOT.glob(pattern) if not SKIPPED_DIRS & set(p.relative_to(REPO_ROOT).parts))


CONFIG_FILES = (
    _committed("helm_values/**/*.yaml")
    + _committed("Pulumi*.yaml")
    + _committed("**/*compose*.yaml")
    + _committed("**/*compose*.yml")
)


def test_the_config_files_the_scan_covers_exist():
    names = {p.name for p in CONFIG_FILES}
    assert {"Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.mwaa.yaml"} <= names
    assert any(p.parent.name == "helm_values" for p in CONFIG_FILES)


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_config_file_holds_no_secret(path):
    assert scan_yaml_file(path) == []


@pytest.mark.parametrize("target", TARGETS)
def test_rendered_airflow_config_holds_no_secret(target, tmp_path):
    config = load_settings().for_target(target)
    rendered = {"env": as_env(config), "helm": as_helm_config(config), "mwaa": as_mwaa_options(config)}
    assert [f for form, doc in rendered.items() for f in structural_findings(doc, f"{target}/{form}")] == []
    written = tmp_path / f"{target}.yaml"
    written.write_text(yaml.safe_dump(json.loads(json.dumps(rendered))))
    assert scan_yaml_file(written) == []


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"fernetKey": "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg="}, "fernetKey holds a literal secret"),
        (
            {"data": {"metadataConnection": {"pass": "postgres"}}},
            "data.metadataConnection.pass holds a literal secret",
        ),
        (
            {"env": [{"name": "AIRFLOW__CORE__FERNET_KEY", "value": "abc"}]},
            "AIRFLOW__CORE__FERNET_KEY holds a literal",
        ),
        (
            {
                # pragma: allowlist nextline secret
                "environment": ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql://airflow:hunter2@db/airflow"]
            },  # pragma: allowlist secret
            "holds a URL with a password",
        ),
        (
            {"config": {"celery": {"broker_url": "rediss://:tok3n@cache:6379/0"}}},
            "holds a URL with a password",
        ),
    ],
)
def test_structural_scan_catches_planted_secrets(document, expected):
    findings = structural_findings(document, "planted")
    assert any(expected in f for f in findings), findings


@pytest.mark.parametrize(
    "document",
    [
        {
            "fernetKeySecretName": "airflow-fernet-key",  # pragma: allowlist secret
            "jwtSecretName": "airflow-jwt-secret",  # pragma: allowlist secret
        },  # pragma: allowlist secret
        {"credentialsSecret": "airflow-git-dags-connection"},  # pragma: allowlist secret
        {"environment": ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql://airflow:${POSTGRES_PASSWORD}@db/airflow"]},
        {"password": None, "token": ""},
        {"AIRFLOW__CORE__FERNET_KEY": "${AIRFLOW__CORE__FERNET_KEY:?run `make up`, which generates it into .env}"},
    ],
)
def test_structural_scan_accepts_references(document):
    assert structural_findings(document, "references") == []


def test_detectors_catch_a_planted_aws_key_and_generated_password(tmp_path):
    planted = tmp_path / "values.yaml"
    planted.write_text(
        "extraEnv:\n  AWS_KEY: AKIAZ7QPLM3XVN4RT2EW\n"  # pragma: allowlist secret
        "note: 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\n"
    )
    assert len(scan_yaml_file(planted)) == 2


def test_compose_files_may_keep_the_local_database_default_only():
    """The official compose file's throwaway airflow/airflow database is public knowledge; nothing else is."""
    # pragma: allowlist nextline secret
    local_db = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://airflow:airflow@postgres/airflow"}
    assert structural_findings(local_db, "compose", local_defaults=True) == []
    assert structural_findings(local_db, "helm values") != []
    # pragma: allowlist nextline secret
    generated = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://airflow:Xk9mQ2vR7t@postgres/airflow"}
    assert structural_findings(generated, "compose", local_defaults=True) != []
