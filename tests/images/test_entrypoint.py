"""The entrypoint contract the official chart and compose files rely on: commands, DB wait, init, signals."""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from pathlib import Path

import pytest

from airflow_settings.versions import AIRFLOW_VERSION
from local_airflow.processes import free_port, wait_for

pytestmark = pytest.mark.image

NO_DB_WAIT = {"CONNECTION_CHECK_MAX_COUNT": "0"}
# Nothing listens on port 1, so every `airflow db check` fails at once.
UNREACHABLE_DB = "postgresql+psycopg2://airflow:airflow@127.0.0.1:1/airflow"
# Stock Kubernetes grace period, which the official chart keeps for the api-server.
GRACE_PERIOD_S = 30
# Between checks of a container: each is an engine call.
POLL_INTERVAL_S = 1.0


class TestCommands:
    """Any airflow subcommand runs with or without a leading `airflow`; bash and python run as given."""

    @pytest.mark.parametrize(
        ("command", "expected"),
        [
            (["api-server", "--help"], "Usage: airflow api-server"),
            (["scheduler", "--help"], "Usage: airflow scheduler"),
            (["dag-processor", "--help"], "Usage: airflow dag-processor"),
            (["triggerer", "--help"], "Usage: airflow triggerer"),
            (["celery", "worker", "--help"], "Usage: airflow celery worker"),
            (["celery", "flower", "--help"], "Usage: airflow celery flower"),
            (["airflow", "celery", "worker", "--help"], "Usage: airflow celery worker"),
        ],
        ids=lambda value: " ".join(value) if isinstance(value, list) else None,
    )
    def test_should_run_airflow_subcommand(self, image, command, expected):
        result = image.run(*command, env=NO_DB_WAIT)
        assert result.returncode == 0, result.stderr[-3000:]
        assert expected in result.stdout

    def test_should_print_version_without_waiting_for_the_db(self, image):
        result = image.run("airflow", "version", env={"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": UNREACHABLE_DB})
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.strip() == AIRFLOW_VERSION
        assert "metadata DB not reachable" not in result.stderr

    def test_should_run_bash_command_after_the_db_check(self, image):
        # The default DB is SQLite in AIRFLOW_HOME, so the (default) wait passes at its first attempt.
        result = image.run("bash", "-c", 'echo "$(id -u):$(id -g) in $PWD"')
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.strip() == "50000:0 in /opt/airflow"
        assert "not reachable" not in result.stderr

    def test_should_run_python_command(self, image):
        result = image.run("python", "-c", "import sys; print(sys.version_info[:2])", env=NO_DB_WAIT)
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.strip() == "(3, 11)"


class TestDatabaseWait:
    """The DB wait is bounded by CONNECTION_CHECK_MAX_COUNT and fails with a clear message."""

    def test_should_give_up_after_max_count_without_running_the_command(self, image):
        started = time.monotonic()
        result = image.run(
            "bash",
            "-c",
            "echo COMMAND-RAN",
            env={
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": UNREACHABLE_DB,
                "CONNECTION_CHECK_MAX_COUNT": "2",
                "CONNECTION_CHECK_SLEEP_TIME": "1",
            },
        )
        elapsed = time.monotonic() - started
        assert result.returncode == 1
        assert "COMMAND-RAN" not in result.stdout
        assert "(attempt 1/2)" in result.stderr
        assert "(attempt 2/2)" in result.stderr
        assert "(attempt 3/2)" not in result.stderr
        assert "cannot reach the metadata DB after 2 attempts" in result.stderr
        assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" in result.stderr
        assert elapsed < 120, f"a 2-attempt wait took {elapsed:.0f} s"


FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
SIMPLE = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


@pytest.fixture(scope="module", params=[FAB, SIMPLE], ids=["fab", "simple"])
def auth_manager(request: pytest.FixtureRequest) -> str:
    """FAB on EKS (settings.yaml), SimpleAuthManager for `make dev` and compose: the init service serves both."""
    return request.param


@pytest.fixture(scope="module")
def airflow_state(tmp_path_factory: pytest.TempPathFactory, auth_manager: str) -> Path:
    """A throwaway state directory (SQLite DB, passwords file) that uid 50000 can write."""
    state = tmp_path_factory.mktemp("airflow-state")
    state.chmod(0o777)
    return state


@pytest.fixture(scope="module")
def ui_user() -> dict[str, str]:
    # Generated passwords can start with "-"; this one always does, so the entrypoint must not read it as an option.
    return {"username": "ada", "password": "-" + secrets.token_urlsafe(16)}


@pytest.fixture(scope="module")
def shared_env(airflow_state: Path, auth_manager: str) -> dict[str, str]:
    """What every component of one deployment shares: the DB, the auth manager and its users."""
    return {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sqlite:////state/airflow.db",
        "AIRFLOW__CORE__AUTH_MANAGER": auth_manager,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "ada:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": "/state/passwords.json",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


@pytest.fixture(scope="module")
def init_run(image, airflow_state, shared_env, ui_user) -> subprocess.CompletedProcess[str]:
    """The compose init service's call: migrate, create the UI user, then `airflow version`."""
    return image.run(
        "airflow",
        "version",
        env={
            **shared_env,
            "_AIRFLOW_DB_MIGRATE": "true",
            "_AIRFLOW_WWW_USER_CREATE": "true",
            "_AIRFLOW_WWW_USER_USERNAME": ui_user["username"],
            "_AIRFLOW_WWW_USER_PASSWORD": ui_user["password"],
        },
        volumes={airflow_state: "/state"},
        timeout=300,
    )


class TestInitService:
    """_AIRFLOW_DB_MIGRATE and _AIRFLOW_WWW_USER_CREATE prepare a deployment as the official image does."""

    def test_should_migrate_the_db(self, image, init_run, airflow_state, shared_env):
        assert init_run.returncode == 0, init_run.stderr[-3000:]
        check = image.run(
            *["airflow", "db", "check-migrations", "--migration-wait-timeout", "1"],
            env=shared_env,
            volumes={airflow_state: "/state"},
        )
        assert check.returncode == 0, check.stderr[-3000:]

    def test_should_create_the_ui_user(self, init_run, airflow_state, auth_manager, ui_user):
        assert init_run.returncode == 0, init_run.stderr[-3000:]
        if auth_manager == FAB:
            # The api-server tests below log this user in; here, the FAB CLI's own report.
            assert f'User "{ui_user["username"]}" created with role "Admin"' in init_run.stdout + init_run.stderr
        else:
            passwords = json.loads((airflow_state / "passwords.json").read_text())
            assert passwords == {ui_user["username"]: ui_user["password"]}
        assert ui_user["password"] not in init_run.stdout + init_run.stderr


class TestUserCreationErrors:
    """_AIRFLOW_WWW_USER_CREATE stops the init service with the fix when it cannot create the user."""

    def test_should_refuse_user_missing_from_simple_auth_manager_users(self, image):
        result = image.run(
            "airflow",
            "version",
            env={
                **NO_DB_WAIT,
                "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE,
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "ada:admin",
                "_AIRFLOW_WWW_USER_CREATE": "true",
                "_AIRFLOW_WWW_USER_USERNAME": "grace",
                "_AIRFLOW_WWW_USER_PASSWORD": "irrelevant",
            },
        )
        assert result.returncode != 0
        assert "user 'grace' is not in [core] simple_auth_manager_users" in result.stderr
        assert "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=grace:admin" in result.stderr

    def test_should_refuse_other_auth_managers(self, image):
        result = image.run(
            "airflow",
            "version",
            env={
                **NO_DB_WAIT,
                "AIRFLOW__CORE__AUTH_MANAGER": "example.KeycloakLikeAuthManager",
                "_AIRFLOW_WWW_USER_CREATE": "true",
                "_AIRFLOW_WWW_USER_PASSWORD": "irrelevant",
            },
        )
        assert result.returncode != 0
        assert "is example.KeycloakLikeAuthManager: create users with that auth manager's own CLI" in result.stderr

    def test_should_refuse_user_creation_without_password(self, image):
        result = image.run("airflow", "version", env={**NO_DB_WAIT, "_AIRFLOW_WWW_USER_CREATE": "true"})
        assert result.returncode != 0
        assert "_AIRFLOW_WWW_USER_CREATE=true needs _AIRFLOW_WWW_USER_PASSWORD" in result.stderr


TOKEN_REQUEST = """
import json, sys, urllib.error, urllib.request
request = urllib.request.Request(sys.argv[1] + "/auth/token", data=sys.argv[2].encode(),
                                 headers={"Content-Type": "application/json"})
try:
    print(urllib.request.urlopen(request, timeout=10).status)
except urllib.error.HTTPError as error:
    print(error.code)
"""


@pytest.fixture(scope="module")
def api_server(image, init_run, airflow_state, shared_env):
    """An api-server on the initialised state, healthy, reached from inside its own container."""
    assert init_run.returncode == 0, init_run.stderr[-3000:]
    port = free_port()
    # One uvicorn worker is enough here, and light on a shared 2-core machine.
    name = image.start(
        *["api-server", "--host", "127.0.0.1", "--port", str(port)],
        env={**shared_env, "AIRFLOW__API__WORKERS": "1"},
        volumes={airflow_state: "/state"},
    )
    url = f"http://127.0.0.1:{port}"
    health = f"import urllib.request; urllib.request.urlopen('{url}/api/v2/monitor/health', timeout=5)"
    try:
        wait_for(
            lambda: image.exec(name, "python", "-c", health).returncode == 0,
            180,
            "api-server health",
            interval=POLL_INTERVAL_S,
            diagnostics=lambda: image.logs(name),
        )
        yield name, url
    finally:
        image.remove(name)


class TestApiServer:
    """The api-server logs in the user the init service created, and stops cleanly on SIGTERM."""

    def test_should_issue_token_to_created_user(self, image, api_server, ui_user):
        name, url = api_server
        granted = image.exec(name, "python", "-c", TOKEN_REQUEST, url, json.dumps(ui_user))
        refused = image.exec(name, "python", "-c", TOKEN_REQUEST, url, json.dumps({**ui_user, "password": "wrong"}))
        assert granted.stdout.strip() == "201", granted.stderr
        assert refused.stdout.strip() == "401", refused.stderr

    def test_should_stop_within_grace_period_on_sigterm(self, image, api_server):
        name, _ = api_server
        started = time.monotonic()
        subprocess.run(
            [image.engine, "stop", "--time", str(GRACE_PERIOD_S), name],
            check=True,
            capture_output=True,
            timeout=GRACE_PERIOD_S + 30,
        )
        elapsed = time.monotonic() - started
        exit_code = subprocess.run(
            [image.engine, "inspect", "--format", "{{.State.ExitCode}}", name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert elapsed < GRACE_PERIOD_S, f"stop took {elapsed:.1f} s, the whole grace period"
        assert exit_code != "137", "the api-server ignored SIGTERM and was killed"


# A main process with a child, as a Celery worker has: on SIGTERM it reports whether the child got it too.
MAIN_WITH_CHILD = (
    "sleep 300 & child=$!; "
    "trap 'for _ in $(seq 50); do "
    'kill -0 "$child" 2>/dev/null || { echo child-gone; exit 0; }; sleep 0.1; done; '
    "echo child-alive; exit 0' TERM; "
    "echo ready; wait"
)


class TestSignals:
    """dumb-init signals the process group, or with DUMB_INIT_SETSID=0 the main process only (Celery's warm
    shutdown)."""

    @pytest.mark.parametrize(
        ("setsid", "child_after_sigterm"),
        [("1", "child-gone"), ("0", "child-alive")],
        ids=["default-whole-group", "setsid-0-main-process-only"],
    )
    def test_should_deliver_sigterm_per_dumb_init_setsid(self, image, setsid, child_after_sigterm):
        name = image.start("bash", "-c", MAIN_WITH_CHILD, env={**NO_DB_WAIT, "DUMB_INIT_SETSID": setsid})
        try:
            wait_for(
                lambda: "ready" in image.logs(name),
                60,
                "main process ready",
                interval=POLL_INTERVAL_S,
                diagnostics=lambda: image.logs(name),
            )
            subprocess.run([image.engine, "stop", "--time", "20", name], check=True, capture_output=True)
            assert child_after_sigterm in image.logs(name)
        finally:
            image.remove(name)
