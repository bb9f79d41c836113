"""Find secret values in config files: high-entropy strings, credentials in URLs and known secret keys.

detect-secrets' entropy and token detectors find generated keys and cloud credentials; its keyword
detector is left out because it flags references such as `jwtSecretName: airflow-jwt`. Instead a
structural check knows the keys that must never carry a value in committed or rendered config.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings, get_settings

# Keys whose value is a secret itself (Airflow options, chart values, compose env, Pulumi config);
# their `…SecretName`/`…_secret_arn` counterparts are references and are not listed.
SECRET_KEYS = re.compile(
    r"^(password|pass|passwd|fernet_?key|secret_?key|jwt_?secret|api_?secret_?key|webserver_?secret_?key|"
    r"auth_?token|token|private_?key|access_?key|secret_?access_?key|client_?secret|"
    r"AIRFLOW__CORE__FERNET_KEY|AIRFLOW__API_AUTH__JWT_SECRET|AIRFLOW__API__SECRET_KEY|"
    r"AIRFLOW__WEBSERVER__SECRET_KEY|POSTGRES_PASSWORD|REDIS_PASSWORD|_AIRFLOW_WWW_USER_PASSWORD)$",
    re.IGNORECASE,
)
# pragma: allowlist nextline secret
# scheme://user:password@host with a literal password (not a ${VAR} or {{ template }}).
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]*:(?![$]|\{\{)([^@\s/]+)@", re.IGNORECASE)
# A value that points at a secret instead of holding one: ${VAR}, ${VAR:?message}, {{ template }}, an ARN.
REFERENCE = re.compile(r"^(\$\{[A-Za-z_][A-Za-z0-9_]*([:?-][^}]*)?\}|\{\{.*\}\}|arn:aws:secretsmanager:)")
# The published default of the compose stack's throwaway database (the official compose file's
# airflow/airflow): public knowledge, not a secret, and accepted in compose files only. Generated
# secrets must arrive there as ${VAR} references.
LOCAL_DEFAULT_PASSWORDS = frozenset({"airflow"})


def detector_findings(path: Path) -> list[str]:
    """detect-secrets' token and entropy detectors; keywords and URL credentials are checked structurally."""
    with default_settings():
        get_settings().disable_plugins("KeywordDetector", "BasicAuthDetector")
        collection = SecretsCollection()
        collection.scan_file(str(path))
    return [f"{path}:{s.line_number}: {s.type}" for _, s in collection]


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")
    else:
        yield path, node


def _env_list_items(node: Any) -> Iterator[tuple[str, Any]]:
    """`- name: X\n  value: Y` lists (chart env, compose env as list) seen as X: Y."""
    if isinstance(node, Mapping):
        if set(node) >= {"name", "value"}:
            yield str(node["name"]), node["value"]
        for value in node.values():
            yield from _env_list_items(value)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, str) and "=" in value:
                key, _, val = value.partition("=")
                yield key, val
            else:
                yield from _env_list_items(value)


def structural_findings(document: Any, where: str, local_defaults: bool = False) -> list[str]:
    """Known secret keys with a literal value, and URLs with a literal password (`local_defaults`: compose)."""
    allowed = LOCAL_DEFAULT_PASSWORDS if local_defaults else frozenset()
    found = []
    pairs = [(p.rsplit(".", 1)[-1].split("[")[0], p, v) for p, v in _walk(document, "")]
    pairs += [(k, k, v) for k, v in _env_list_items(document)]
    for key, path, value in pairs:
        text = "" if value is None else str(value)
        if not text or isinstance(value, bool) or REFERENCE.match(text):
            continue
        if SECRET_KEYS.match(key) and text not in allowed:
            found.append(f"{where}: {path} holds a literal secret value")
        if any(password not in allowed for password in URL_WITH_PASSWORD.findall(text)):
            found.append(f"{where}: {path} holds a URL with a password")
    return found


def scan_yaml_file(path: Path) -> list[str]:
    documents = list(yaml.safe_load_all(path.read_text()))
    local = "compose" in path.name
    return detector_findings(path) + [f for d in documents for f in structural_findings(d, str(path), local)]
