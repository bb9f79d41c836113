"""docker-compose.yaml: generated from the settings, faithful to the official layout, valid offline."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import jmespath
import pytest
import yaml

from airflow_settings import load_settings
from airflow_settings.render import as_env
from airflow_settings.versions import AIRFLOW_VERSION
from local_airflow import compose
from local_airflow.compose_check import (
    ComposeInvalid,
    check_with_compose,
    check_with_schema,
    compose_files,
    schema_path,
)
from local_airflow.compose_env import GENERATED, ensure_env_file

AIRFLOW_SERVICES = [
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
    "airflow-cli",
    "flower",
]
# The official file has no healthcheck on the one-shot services (init) and the debug CLI.
AIRFLOW_LONG_RUNNING = [service for service in AIRFLOW_SERVICES if service not in ("airflow-init", "airflow-cli")]
LONG_RUNNING = ["postgres", "redis", *AIRFLOW_LONG_RUNNING]


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(compose.COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def schema() -> Path:
    try:
        return schema_path()
    except LookupError as err:
        pytest.fail(str(err))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the compose file with a freshly generated .env, where overrides can be dropped."""
    shutil.copy(compose.COMPOSE_FILE, tmp_path / "docker-compose.yaml")
    ensure_env_file(tmp_path / ".env")
    return tmp_path


class TestGeneratedFile:
    """The committed file is exactly what the generator makes from airflow_settings."""

    def test_should_equal_a_fresh_render(self):
        assert compose.COMPOSE_FILE.read_text() == compose.render(), (
            "docker-compose.yaml is stale: run `make compose-file` and commit it"
        )

    def test_should_give_every_airflow_service_the_rendered_settings(self, document: dict):
        rendered = as_env(load_settings().for_target("compose"))
        for service in AIRFLOW_SERVICES:
            environment = jmespath.search(f'services."{service}".environment', document)
            assert rendered.items() <= environment.items(), f"{service} lacks rendered settings"

    def test_should_use_our_image_at_the_pinned_airflow_version(self, document: dict):
        expected = f"${{AIRFLOW_IMAGE_NAME:-airflow-on-aws:{AIRFLOW_VERSION}}}"
        assert document["x-airflow-common"]["image"] == expected

    def test_should_not_contain_secret_values(self, document: dict):
        environment = document["x-airflow-common"]["environment"]
        for name in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY"):
            assert environment[name] == f"${{{name}:?run `make up`, which generates it into .env}}"

    def test_should_refuse_a_setting_that_is_also_local_wiring(self, monkeypatch: pytest.MonkeyPatch):
        wired = compose.local_wiring
        monkeypatch.setattr(
            compose, "local_wiring", lambda wiring: {**wired(wiring), "AIRFLOW__CORE__EXECUTOR": "LocalExecutor"}
        )
        with pytest.raises(ValueError, match="AIRFLOW__CORE__EXECUTOR: set both"):
            compose.airflow_environment(compose.COMPOSE_WIRING)


class TestOfficialLayout:
    """Services, healthchecks and start order of the official Airflow 3 Celery compose file."""

    def test_should_have_the_official_services(self, document: dict):
        assert set(document["services"]) == {"postgres", "redis", *AIRFLOW_SERVICES}
        assert document["services"]["postgres"]["image"] == "postgres:16"
        assert document["services"]["redis"]["image"] == "redis:7.2-bookworm"

    @pytest.mark.parametrize("service", LONG_RUNNING)
    def test_should_have_a_healthcheck(self, document: dict, service: str):
        assert jmespath.search(f'services."{service}".healthcheck.test', document)

    @pytest.mark.parametrize("service", AIRFLOW_LONG_RUNNING)
    def test_should_start_after_init_and_healthy_backends(self, document: dict, service: str):
        depends_on = document["services"][service]["depends_on"]
        assert depends_on["airflow-init"]["condition"] == "service_completed_successfully"
        assert depends_on["postgres"]["condition"] == depends_on["redis"]["condition"] == "service_healthy"

    def test_should_migrate_in_the_init_service(self, document: dict):
        init = document["services"]["airflow-init"]
        assert init["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"
        assert "Not enough memory available" in init["command"][1]

    def test_should_keep_flower_behind_a_profile(self, document: dict):
        assert document["services"]["flower"]["profiles"] == ["flower"]

    def test_should_mount_dags_plugins_and_logs(self, document: dict):
        mounts = document["x-airflow-common"]["volumes"]
        for folder in ("dags", "plugins", "logs"):
            assert f"${{AIRFLOW_PROJ_DIR:-.}}/{folder}:/opt/airflow/{folder}" in mounts


class TestOfflineValidation:
    """compose v2 `config -q` and the compose-spec schema accept ours and refuse a bad override."""

    def test_should_accept_the_committed_file(self, project: Path, schema: Path):
        files = compose_files(project / "docker-compose.yaml")
        check_with_schema(files, schema)
        check_with_compose(files)

    def test_should_refuse_a_typo_in_an_override(self, project: Path, schema: Path):
        (project / "docker-compose.override.yaml").write_text(
            "services:\n  airflow-worker:\n    enviroment:\n      FOO: bar\n"
        )
        files = compose_files(project / "docker-compose.yaml")
        with pytest.raises(ComposeInvalid, match="enviroment"):
            check_with_compose(files)
        with pytest.raises(ComposeInvalid, match="airflow-worker: 'enviroment' does not match"):
            check_with_schema(files, schema)

    def test_should_refuse_to_run_without_the_generated_secrets(self, tmp_path: Path):
        shutil.copy(compose.COMPOSE_FILE, tmp_path / "docker-compose.yaml")
        (tmp_path / ".env").write_text("AIRFLOW_UID=50000\n")
        missing = "required variable AIRFLOW__\\w+ is missing a value: run `make up`"
        with pytest.raises(ComposeInvalid, match=missing):
            check_with_compose(compose_files(tmp_path / "docker-compose.yaml"))


class TestEnvFile:
    """`make up` generates .env once and only completes it afterwards."""

    def test_should_generate_every_value_once(self, tmp_path: Path):
        env_file = tmp_path / ".env"
        first = ensure_env_file(env_file)
        assert set(first) == set(GENERATED)
        assert ensure_env_file(env_file) == first
        assert env_file.stat().st_mode & 0o077 == 0

    def test_should_keep_existing_values(self, tmp_path: Path):
        env_file = tmp_path / ".env"
        env_file.write_text("AIRFLOW__CORE__FERNET_KEY=kept\n")
        assert ensure_env_file(env_file)["AIRFLOW__CORE__FERNET_KEY"] == "kept"


class TestMakeUp:
    """`make up` validates the merged config and refuses a bad override before anything starts."""

    def test_should_refuse_a_bad_override_before_starting(self, project: Path, schema: Path):
        override = project / "docker-compose.override.yaml"
        override.write_text("services:\n  airflow-worker:\n    imagee: typo\n")
        result = subprocess.run(
            [
                "make",
                "up",
                f"COMPOSE_OVERRIDE={override}",
                f"COMPOSE_ENV_FILE={project / '.env'}",
                f"COMPOSE_SPEC_SCHEMA={schema}",
                "DOCKER_COMPOSE=false-compose-must-not-run",
            ],
            cwd=compose.REPO_ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode != 0
        assert "compose validation failed, nothing was started" in result.stderr
        assert "imagee" in result.stderr
        assert "false-compose-must-not-run" not in result.stdout + result.stderr
