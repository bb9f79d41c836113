"""The git-ignored .env that docker compose reads: ports, UID, the admin login and the generated secrets.

Written on the first `make up` and only ever completed afterwards (an existing value is never replaced, so
the Fernet key keeps decrypting what it encrypted). The official compose file ships an empty Fernet key and
a fixed password; we generate both, plus the JWT secret every Airflow 3 component must share.

    python -m local_airflow.compose_env [--env-file .env]          # create or complete it
    python -m local_airflow.compose_env --print-login              # what `make up` prints when healthy
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

from local_airflow.compose import DEFAULT_ADMIN_USERNAME, REPO_ROOT

ENV_FILE = REPO_ROOT / ".env"

# name -> how to make its value when .env lacks it
GENERATED: dict[str, Callable[[], str]] = {
    "AIRFLOW_UID": lambda: str(os.getuid()),
    "AIRFLOW_API_PORT": lambda: "8080",
    "FLOWER_PORT": lambda: "5555",
    "_AIRFLOW_WWW_USER_USERNAME": lambda: DEFAULT_ADMIN_USERNAME,
    "_AIRFLOW_WWW_USER_PASSWORD": lambda: secrets.token_urlsafe(12),
    # 64 bytes: the JWT library warns below that for HS512.
    "AIRFLOW__API_AUTH__JWT_SECRET": lambda: secrets.token_urlsafe(64),
    "AIRFLOW__CORE__FERNET_KEY": lambda: Fernet.generate_key().decode(),
}


def read_env(path: Path) -> dict[str, str]:
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#") and "=" in line:
                name, value = line.split("=", 1)
                values[name.strip()] = value.strip()
    return values


def ensure_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """Add whatever GENERATED value the file lacks; return all its values."""
    existing = read_env(path)
    missing = {name: make() for name, make in GENERATED.items() if name not in existing}
    if missing:
        with path.open("a") as env_file:
            if not existing:
                env_file.write("# Written by `make up` (local_airflow/compose_env.py). Never commit it.\n")
            env_file.writelines(f"{name}={value}\n" for name, value in missing.items())
        path.chmod(0o600)
    return {**existing, **missing}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create or complete the compose .env file.")
    parser.add_argument("--env-file", type=Path, default=ENV_FILE)
    parser.add_argument("--print-login", action="store_true", help="print the URL and login from the file")
    args = parser.parse_args(argv)
    values = ensure_env_file(args.env_file)
    if args.print_login:
        print(
            f"Airflow is up: http://localhost:{values['AIRFLOW_API_PORT']}\n"
            f"Login: {values['_AIRFLOW_WWW_USER_USERNAME']} / {values['_AIRFLOW_WWW_USER_PASSWORD']}"
            f"  (from {args.env_file})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
