"""Answers for the connections and variables a DAG looks up while it is parsed, so the gates need no secrets.

A DAG repository keeps them in one YAML file (local development only, never a real credential), the format of
this platform's local_airflow/connections.yaml:

    connections:
      aws_default: {conn_type: aws, extra: {region_name: eu-west-1}}
    variables:
      environment: local
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import yaml

# During the parse: lookups never reach a real secrets backend (AWS) from a CI runner, and the DagBag never
# adds Airflow's example DAGs, whatever the runner's config says.
PARSE_ENV = {"AIRFLOW__SECRETS__BACKEND": "", "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}


def lookup_env(path: Path) -> dict[str, str]:
    """AIRFLOW_CONN_* / AIRFLOW_VAR_* variables from a lookups file; a variable that is not a string goes as
    JSON, as Airflow stores it."""
    data = yaml.safe_load(path.read_text()) or {}
    env = {
        f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(fields)
        for conn_id, fields in (data.get("connections") or {}).items()
    }
    for key, value in (data.get("variables") or {}).items():
        env[f"AIRFLOW_VAR_{key.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    return env


@contextmanager
def parse_time_lookups(env: Mapping[str, str]) -> Iterator[None]:
    """Set `env` (and PARSE_ENV) for the parse only: left set, these variables would shadow what the
    caller configures later."""
    values = {**PARSE_ENV, **env}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
