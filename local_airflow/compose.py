"""Generate docker-compose.yaml: the official Airflow 3 Celery compose file, with our image and settings.

The layout (services, healthchecks, depends_on conditions, the init service's checks) follows the
docker-compose.yaml that Airflow publishes for 3.x. What differs, and why:

- the Airflow environment is rendered from airflow_settings (target "compose") instead of being typed in,
  plus `local_wiring()`: the connection strings, URLs and shared secrets of one running stack;
- the image is ours, `airflow-on-aws:<AIRFLOW_VERSION>` (built by `make image`), not apache/airflow;
- the auth manager is SimpleAuthManager, which the settings' compose target chooses (one generated admin
  login, no user database), so airflow-init writes its passwords file from _AIRFLOW_WWW_USER_PASSWORD instead
  of running FAB's `airflow users create`;
- the JWT secret and Fernet key are never written here: `make up` generates them once into the
  git-ignored .env (see local_airflow/compose_env.py), and compose refuses to start without them.

`airflow_environment()` is also what the native stack (local_airflow/stack.py) gives its components, wired
to loopback ports instead of service names, so the two stacks cannot drift apart.

Run `python -m local_airflow.compose` to rewrite the file, `--check` to fail when it is stale.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from airflow_settings import load_settings
from airflow_settings.render import as_env
from airflow_settings.versions import AIRFLOW_VERSION
from local_airflow.compose_layout import TEMPLATE

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yaml"
IMAGE_NAME = "airflow-on-aws"

# The compose postgres service's role, password and database; the native stack's PostgreSQL has the same.
DATABASE_USER = DATABASE_PASSWORD = DATABASE_NAME = "airflow"
# The admin login's name unless .env says otherwise (`make up` writes it there).
DEFAULT_ADMIN_USERNAME = "airflow"


@dataclass(frozen=True)
class Wiring:
    """Where the Airflow components of one stack find its services, and the values they must all share.

    The compose file passes service names and `${VAR...}` placeholders that compose fills from .env
    (COMPOSE_WIRING); the native stack passes loopback ports, a temp AIRFLOW_HOME and generated secrets.
    """

    database_host: str
    database_port: int
    redis_host: str
    redis_port: int
    api_server_host: str
    api_server_port: int
    airflow_home: str
    jwt_secret: str
    fernet_key: str
    admin_username: str

    @property
    def passwords_file(self) -> str:
        """SimpleAuthManager's login file, which airflow-init (or the native stack) writes."""
        return f"{self.airflow_home}/config/simple_auth_manager_passwords.json"


def _from_env_file(name: str) -> str:
    # `:?` makes compose refuse to start while .env lacks the value.
    return f"${{{name}:?run `make up`, which generates it into .env}}"


COMPOSE_WIRING = Wiring(
    database_host="postgres",
    database_port=5432,
    redis_host="redis",
    redis_port=6379,
    api_server_host="airflow-apiserver",
    api_server_port=8080,
    airflow_home="/opt/airflow",
    jwt_secret=_from_env_file("AIRFLOW__API_AUTH__JWT_SECRET"),
    fernet_key=_from_env_file("AIRFLOW__CORE__FERNET_KEY"),
    admin_username=f"${{_AIRFLOW_WWW_USER_USERNAME:-{DEFAULT_ADMIN_USERNAME}}}",
)


def database_url(scheme: str, host: str, port: int) -> str:
    """The metadata database at host:port, for the driver `scheme` names (SQLAlchemy's, or Celery's `db+…`)."""
    return f"{scheme}://{DATABASE_USER}:{DATABASE_PASSWORD}@{host}:{port}/{DATABASE_NAME}"


def local_wiring(wiring: Wiring) -> dict[str, str]:
    """Values that exist only because of how one stack is wired: service addresses, the local auth manager's
    files, and the secrets every component must share."""
    database = (wiring.database_host, wiring.database_port)
    return {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url("postgresql+psycopg2", *database),
        "AIRFLOW__CELERY__RESULT_BACKEND": database_url("db+postgresql", *database),
        "AIRFLOW__CELERY__BROKER_URL": f"redis://:@{wiring.redis_host}:{wiring.redis_port}/0",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": (
            f"http://{wiring.api_server_host}:{wiring.api_server_port}/execution/"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{wiring.admin_username}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": wiring.passwords_file,
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
        "AIRFLOW__API_AUTH__JWT_SECRET": wiring.jwt_secret,
        "AIRFLOW__CORE__FERNET_KEY": wiring.fernet_key,
        # The maintenance DAG's way to the metadata DB, which Airflow 3 keeps from tasks (dags/maintenance_db_clean.py).
        "AIRFLOW_CONN_AIRFLOW_METADATA_DB": database_url("postgresql", *database),
    }


def airflow_environment(wiring: Wiring) -> dict[str, str]:
    """The environment of every Airflow component: settings for target "compose" + the stack's wiring."""
    rendered = as_env(load_settings().for_target("compose"))
    wired = local_wiring(wiring)
    clash = sorted(rendered.keys() & wired.keys())
    if clash:
        raise ValueError(
            f"{', '.join(clash)}: set both in airflow_settings and in local_wiring(); keep each in one place"
        )
    return dict(sorted({**rendered, **wired}.items()))


def _environment_block(indent: int) -> str:
    # Every value is quoted so YAML never reads "True" or "30" as anything but the string Airflow expects.
    lines = [f"{key}: {_quote(value)}" for key, value in airflow_environment(COMPOSE_WIRING).items()]
    return "\n".join(" " * indent + line for line in lines)


def _quote(value: str) -> str:
    return yaml.safe_dump(value, default_style="'", width=10_000).strip().removesuffix("\n...")


def render() -> str:
    """The full docker-compose.yaml text."""
    return TEMPLATE.format(
        major=AIRFLOW_VERSION.split(".")[0],
        image=f"{IMAGE_NAME}:{AIRFLOW_VERSION}",
        environment=_environment_block(indent=4),
        home=COMPOSE_WIRING.airflow_home,
        api_port=COMPOSE_WIRING.api_server_port,
        redis_port=COMPOSE_WIRING.redis_port,
        passwords_file=COMPOSE_WIRING.passwords_file,
        admin_username=COMPOSE_WIRING.admin_username,
        db_user=DATABASE_USER,
        db_password=DATABASE_PASSWORD,
        db_name=DATABASE_NAME,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docker-compose.yaml is not up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if COMPOSE_FILE.read_text() != text:
            print(f"{COMPOSE_FILE.name} is stale: run `python -m local_airflow.compose` and commit it", file=sys.stderr)
            return 1
        return 0
    COMPOSE_FILE.write_text(text)
    print(f"wrote {COMPOSE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
