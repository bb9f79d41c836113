"""Metadata DB backup and restore: pg_dump in its custom format, pg_restore back, for a self-managed PostgreSQL and
the local stacks. (RDS takes its own snapshots; this is the logical copy for moving a DB or rehearsing a restore.)

A dump holds every connection and variable of the metadata DB, encrypted with the deployment's Fernet key, and
the users of the FAB auth manager: it is written 0600, and it is only usable with that same Fernet key.
Runbook: docs/runbooks/backup-restore.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ops.errors import OpsError

DB_URL_ENV = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"
CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class Database:
    """A PostgreSQL database, from the SQLAlchemy URL Airflow is configured with."""

    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def from_url(cls, url: str | None) -> Database:
        if not url:
            raise OpsError(f"no database: pass --db-url or set {DB_URL_ENV} (the metadata DB's SQLAlchemy URL)")
        parts = urlsplit(url)
        if parts.scheme.split("+")[0] not in ("postgresql", "postgres"):
            raise OpsError(
                f"{parts.scheme}:// is not PostgreSQL: pg_dump backs up PostgreSQL only (SQLite: copy the file)"
            )
        if not (parts.hostname and parts.username and parts.path.strip("/")):
            raise OpsError("the database URL needs a user, a host and a database: postgresql://USER@HOST:5432/DB")
        return cls(
            host=parts.hostname,
            port=parts.port or 5432,
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            name=parts.path.strip("/"),
        )

    def __str__(self) -> str:
        """Where it is, without the password: what messages show."""
        return f"{self.user}@{self.host}:{self.port}/{self.name}"

    def libpq_env(self) -> dict[str, str]:
        """libpq's variables for pg_dump/pg_restore: the password never goes on a command line `ps` shows."""
        return {
            **os.environ,
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
            "PGCONNECT_TIMEOUT": str(CONNECT_TIMEOUT_S),
        }

    def connect(self):
        """A psycopg2 connection (autocommit); OpsError naming the database when it cannot be reached."""
        import psycopg2

        try:
            connection = psycopg2.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password,
                dbname=self.name,
                connect_timeout=CONNECT_TIMEOUT_S,
            )
        except psycopg2.OperationalError as err:
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise OpsError(f"cannot reach {self}: {reason}; fix: check the URL, the network and the password") from None
        connection.autocommit = True
        return connection

    def query(self, sql: str, *params: object) -> list[tuple]:
        """The rows of one query, on a connection of its own."""
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def table_count(self) -> int:
        """How many tables the database holds outside PostgreSQL's own schemas."""
        [(count,)] = self.query(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        return count


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise OpsError(f"{name} not found: install the PostgreSQL client tools (Debian: postgresql-client)")
    return path


def _run(command: list[str], database: Database) -> None:
    result = subprocess.run(command, env=database.libpq_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} exited with {result.returncode}:\n{result.stderr.strip()}")


def backup(database: Database, path: Path, *, overwrite: bool = False) -> int:
    """Dump the database into `path` (custom format, mode 0600); return its size in bytes."""
    if path.exists() and not overwrite:
        raise OpsError(f"{path} exists; fix: pick another file, or pass --overwrite")
    database.table_count()  # unreachable or refused: say so before pg_dump's longer message
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    try:
        # No owner or grants in the dump: it restores into a cluster whose roles differ (a rehearsal, a new RDS).
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"], database)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size


def restore(database: Database, path: Path, *, clean: bool = False) -> None:
    """Restore a dump into the database: an empty one, or with `clean` one whose objects it drops first."""
    if not path.is_file():
        raise OpsError(f"no dump at {path}")
    listing = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if listing.returncode != 0:
        raise OpsError(f"{path} is not a pg_dump custom-format file: {listing.stderr.strip()}")
    tables = database.table_count()
    if tables and not clean:
        raise OpsError(
            f"{database} already holds {tables} table(s); refusing to restore over them; fix: restore into an "
            "empty database, or pass --clean to drop what the dump replaces first"
        )
    command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={database.name}"]
    _run([*command, *(["--clean", "--if-exists"] if clean else []), str(path)], database)


def _backup(args: argparse.Namespace) -> int:
    database = Database.from_url(args.db_url)
    size = backup(database, args.file, overwrite=args.overwrite)
    print(f"backed up {database} to {args.file} ({size} bytes, mode 0600)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    database = Database.from_url(args.db_url)
    restore(database, args.file, clean=args.clean)
    print(f"restored {args.file} into {database}; next: `airflow db check-migrations`, then start Airflow")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--db-url",
        default=os.environ.get(DB_URL_ENV),
        help=f"the metadata DB's SQLAlchemy URL (default: ${DB_URL_ENV})",
    )
    database.add_argument("--file", type=Path, required=True, help="the dump file")
    backup_command = commands.add_parser("db-backup", parents=[database], help="pg_dump the metadata DB")
    backup_command.add_argument("--overwrite", action="store_true", help="replace an existing dump file")
    backup_command.set_defaults(handler=_backup)
    restore_command = commands.add_parser("db-restore", parents=[database], help="pg_restore a dump")
    restore_command.add_argument("--clean", action="store_true", help="drop what the dump replaces first")
    restore_command.set_defaults(handler=_restore)
