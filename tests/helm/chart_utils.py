"""The one render helper and schema helpers for the chart values tests (like the chart's helm-tests utils).

`render(**overrides)` is what helm.v3.Release receives for a stack whose infra facts are the defaults below;
helm itself cannot run here, so the tests stop at the merged values (chart defaults + ours).
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import jmespath
import jsonschema
import yaml

from airflow_settings import load_settings
from airflow_settings.versions import pin
from infra.components import SERVICE_ACCOUNTS
from infra.config_sections import DagsConfig, IngressConfig
from infra.helm_values import ChartInputs, chart_values
from infra.mappings import deep_merge

SCHEMA_ENV = "AIRFLOW_CHART_SCHEMA_DIR"

DEFAULT_INPUTS = ChartInputs(
    airflow_version="3.3.1",
    image_repository="111122223333.dkr.ecr.eu-west-1.amazonaws.com/airflow-dev/airflow",
    image_tag="3.3.1-1",
    logs_bucket="airflow-dev-logs-abc123",
    region="eu-west-1",
    role_arns={
        component: f"arn:aws:iam::111122223333:role/{account}" for component, account in SERVICE_ACCOUNTS.items()
    },
    settings=load_settings().for_target("eks"),
    dags=DagsConfig(source="git-sync", repo="https://github.com/example-org/airflow-dags.git"),
    ingress=IngressConfig(enabled=False, internal=True),
)


def render(**overrides: Any) -> dict[str, Any]:
    """Our values for the chart, for DEFAULT_INPUTS with `overrides` replaced."""
    return chart_values(replace(DEFAULT_INPUTS, **overrides))


def chart_dir() -> Path:
    """The chart copy named by AIRFLOW_CHART_SCHEMA_DIR; a clear failure (never a skip) when unset."""
    value = os.environ.get(SCHEMA_ENV)
    if not value:
        raise AssertionError(
            f"{SCHEMA_ENV} is not set. It must name a folder holding the official chart's "
            "values.yaml and values.schema.json. `make test` and `make test-infra` fetch it (checksum-verified) "
            f"into {pin('airflow-chart').cache_dir}; or export {SCHEMA_ENV} to a local copy."
        )
    directory = Path(value)
    missing = [name for name in ("values.yaml", "values.schema.json") if not (directory / name).is_file()]
    if missing:
        raise AssertionError(f"{SCHEMA_ENV}={directory} lacks {missing}; run `make chart-schema`.")
    return directory


@cache
def chart_defaults() -> dict[str, Any]:
    return yaml.safe_load((chart_dir() / "values.yaml").read_text())


@cache
def tightened_schema() -> dict[str, Any]:
    """The chart's schema with additionalProperties: false wherever it lists properties and is silent on
    extras, so a misspelled key fails here instead of being ignored by Helm."""
    schema = json.loads((chart_dir() / "values.schema.json").read_text())
    return _tighten(copy.deepcopy(schema))


def _tighten(node: Any) -> Any:
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node and "patternProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _tighten(value)
    elif isinstance(node, list):
        for value in node:
            _tighten(value)
    return node


def schema_errors(values: dict[str, Any]) -> list[str]:
    """Every violation of the tightened schema by chart defaults + `values`, as 'path: message'."""
    merged = deep_merge(chart_defaults(), values)
    validator = jsonschema.Draft7Validator(tightened_schema())
    return [
        f"{'.'.join(str(part) for part in error.absolute_path)}: {error.message[:300]}"
        for error in validator.iter_errors(merged)
    ]


def merged_values(**overrides: Any) -> dict[str, Any]:
    """What the chart templates see: its own defaults under our values."""
    return deep_merge(chart_defaults(), render(**overrides))


def effective_security_contexts(values: dict[str, Any], path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(pod, container) security context an Airflow-image component at `path` gets, following the chart's
    airflowPodSecurityContext / containerSecurityContext helpers: its own, else the global one."""
    node = jmespath.search(path, values)
    pod = node["securityContexts"].get("pod") or node.get("securityContext") or values["securityContexts"]["pod"]
    container = node["securityContexts"].get("container") or values["securityContexts"]["containers"]
    return pod, container
