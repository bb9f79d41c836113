"""Connections and variables between AWS Secrets Manager and Airflow's own export files, both ways.

- `secrets-export`: every secret under the connections and variables prefixes, read as Airflow reads them (the
  amazon provider's SecretsManagerBackend), into `connections.json` and `variables.json` in the format of
  `airflow connections export` / `airflow variables export`;
- `secrets-import`: such files (from `airflow ... export`, another deployment, or the export above) into Secrets
  Manager, parsed by Airflow's own file loader (the one `airflow connections import` uses).

A connection's description does not travel: the backend never reads one from a secret, so none is written.
Values stay secret: the commands print names and what they did, never a value; the files are created 0600; an
import never replaces an existing secret unless --overwrite says so, and --dry-run changes nothing.
The prefixes default to the settings' (airflow_settings.render.secret_prefixes of --target).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from airflow_settings import load_settings
from airflow_settings.render import SecretPrefixes, secret_prefixes
from ops.errors import OpsError

CONNECTIONS_FILE = "connections.json"
VARIABLES_FILE = "variables.json"
# The fields of one connection in Airflow's export file (airflow connections export --file-format json).
EXPORT_FIELDS = ("conn_type", "description", "login", "password", "host", "port", "schema", "extra")


def backend(prefixes: SecretPrefixes, region: str | None) -> Any:
    """The amazon provider's backend, as the platform configures it: the one reader of these secrets."""
    from airflow.providers.amazon.aws.secrets.secrets_manager import SecretsManagerBackend

    options = {"region_name": region} if region else {}
    return SecretsManagerBackend(
        connections_prefix=prefixes.connections, variables_prefix=prefixes.variables, **options
    )


def secret_names(client: Any, prefix: str) -> Iterator[str]:
    """The names under `prefix/`, without it, in order."""
    names = []
    for page in client.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": [f"{prefix}/"]}]):
        names += [secret["Name"] for secret in page["SecretList"] if secret["Name"].startswith(f"{prefix}/")]
    return (name.removeprefix(f"{prefix}/") for name in sorted(names))


def write_private(path: Path, content: Any, *, overwrite: bool) -> None:
    """Write JSON to a file only its owner can read, created so (never a moment with wider permissions)."""
    if path.exists() and not overwrite:
        raise OpsError(f"{path} exists; fix: pick another folder, or pass --overwrite")
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as sink:
        json.dump(content, sink, indent=2, sort_keys=True)


def export_secrets(reader: Any, folder: Path, *, overwrite: bool = False) -> tuple[list[str], list[str]]:
    """Write every connection and variable under the backend's prefixes into `folder`; their names."""
    folder.mkdir(parents=True, exist_ok=True)
    connections = {}
    for conn_id in secret_names(reader.client, reader.connections_prefix):
        connection = reader.get_connection(conn_id)
        if connection is None:
            raise RuntimeError(f"{reader.connections_prefix}/{conn_id} cannot be read as a connection (JSON or URI)")
        connections[conn_id] = {field: getattr(connection, field) for field in EXPORT_FIELDS}
    variables = {}
    for key in secret_names(reader.client, reader.variables_prefix):
        value = reader.get_variable(key)
        # As `airflow variables export` writes them: a value that is JSON goes as that JSON.
        try:
            variables[key] = json.loads(value)
        except ValueError:
            variables[key] = value
    write_private(folder / CONNECTIONS_FILE, connections, overwrite=overwrite)
    write_private(folder / VARIABLES_FILE, variables, overwrite=overwrite)
    return sorted(connections), sorted(variables)


def connection_secret(connection: Any) -> str:
    """The JSON form of a connection the backend reads back (Connection.from_json): its set fields only."""
    fields = {field: getattr(connection, field) for field in EXPORT_FIELDS if field not in ("extra", "description")}
    document = {key: value for key, value in fields.items() if value not in (None, "")}
    if connection.extra:
        document["extra"] = connection.extra_dejson
    return json.dumps(document, sort_keys=True)


def import_secrets(
    reader: Any,
    *,
    connections_file: Path | None,
    variables_file: Path | None,
    overwrite: bool = False,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> dict[str, str]:
    """Store the files' connections and variables as secrets; {secret name: what happened to it}."""
    from airflow.secrets.local_filesystem import load_connections_dict, load_variables

    if connections_file is None and variables_file is None:
        raise OpsError(f"nothing to import: pass --connections {CONNECTIONS_FILE} and/or --variables {VARIABLES_FILE}")
    wanted: dict[str, str] = {}
    for path in (connections_file, variables_file):
        if path is not None and not path.is_file():
            raise OpsError(f"no file {path}")
    if connections_file is not None:
        for conn_id, connection in load_connections_dict(str(connections_file)).items():
            wanted[f"{reader.connections_prefix}/{conn_id}"] = connection_secret(connection)
    if variables_file is not None:
        for key, value in load_variables(str(variables_file)).items():
            wanted[f"{reader.variables_prefix}/{key}"] = value if isinstance(value, str) else json.dumps(value)
    existing = set()
    for prefix in (reader.connections_prefix, reader.variables_prefix):
        existing |= {f"{prefix}/{name}" for name in secret_names(reader.client, prefix)}
    outcome = {}
    for name, value in sorted(wanted.items()):
        if name in existing and not overwrite:
            outcome[name] = "exists, kept (pass --overwrite to replace it)"
        elif dry_run:
            outcome[name] = "would overwrite" if name in existing else "would create"
        elif name in existing:
            reader.client.put_secret_value(SecretId=name, SecretString=value)
            outcome[name] = "overwritten"
        else:
            reader.client.create_secret(Name=name, SecretString=value)
            outcome[name] = "created"
        say(f"{name}: {outcome[name]}")
    return outcome


def _prefixes(args: argparse.Namespace) -> SecretPrefixes:
    defaults = secret_prefixes(load_settings().for_target(args.target))
    return SecretPrefixes(
        connections=(args.connections_prefix or defaults.connections).rstrip("/"),
        variables=(args.variables_prefix or defaults.variables).rstrip("/"),
    )


def _export(args: argparse.Namespace) -> int:
    connections, variables = export_secrets(backend(_prefixes(args), args.region), args.out, overwrite=args.overwrite)
    print(f"exported {len(connections)} connection(s): {', '.join(connections) or 'none'}")
    print(f"exported {len(variables)} variable(s): {', '.join(variables) or 'none'}")
    print(f"into {args.out / CONNECTIONS_FILE} and {args.out / VARIABLES_FILE} (mode 0600: they hold the values)")
    return 0


def _import(args: argparse.Namespace) -> int:
    import_secrets(
        backend(_prefixes(args), args.region),
        connections_file=args.connections,
        variables_file=args.variables,
        overwrite=args.overwrite,
        dry_run=args.dry_run,
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        "--target", choices=("eks", "mwaa"), default="eks", help="whose settings give the prefixes (default eks)"
    )
    where.add_argument("--connections-prefix", help="default: the target's secrets.backend_kwargs")
    where.add_argument("--variables-prefix", help="default: the target's secrets.backend_kwargs")
    where.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION"), help="default: $AWS_DEFAULT_REGION")
    where.add_argument("--overwrite", action="store_true", help="replace existing files (export) or secrets (import)")

    export = commands.add_parser("secrets-export", parents=[where], help="Secrets Manager -> Airflow export files")
    export.add_argument("--out", type=Path, required=True, help=f"folder for {CONNECTIONS_FILE} and {VARIABLES_FILE}")
    export.set_defaults(handler=_export)

    load = commands.add_parser("secrets-import", parents=[where], help="Airflow export files -> Secrets Manager")
    load.add_argument("--connections", type=Path, help="a connections file (airflow connections export)")
    load.add_argument("--variables", type=Path, help="a variables file (airflow variables export)")
    load.add_argument("--dry-run", action="store_true", help="say what it would do, change nothing")
    load.set_defaults(handler=_import)
