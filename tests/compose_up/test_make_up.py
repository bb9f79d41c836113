"""`make up` starts the compose stack for real and `make down` takes it away (the conftest says on what).

What this proves beyond the native stack and the offline checks: the generated docker-compose.yaml starts our
image in the official layout, its init service migrates and writes the login `make up` prints, every service
passes its own healthcheck in the order of its depends_on, and a DAG in the project's dags/ runs on the Celery
worker with its log in the project's logs/, served by the api-server.
"""

from __future__ import annotations

import subprocess

import pytest

from local_airflow.compose_env import read_env
from tests.compose_up.conftest import ComposeProject
from tests.probe_dag import PROBE_CONNECTION, PROBE_DAG_ID, PROBE_HOST, PROBE_TASK_ID, probe_log_line

pytestmark = pytest.mark.compose_up

# Every service `make up` starts; the rest are behind profiles (airflow-cli, flower).
LONG_RUNNING = {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor"}
LONG_RUNNING |= {"airflow-worker", "airflow-triggerer"}
DAG_PARSE_TIMEOUT = 120


class TestMakeUp:
    def test_every_service_is_healthy_and_init_has_exited_cleanly(self, compose_project: ComposeProject):
        services = compose_project.services()
        assert set(services) == LONG_RUNNING | {"airflow-init"}
        unhealthy = {name: (s["State"], s["Health"]) for name, s in services.items() if name in LONG_RUNNING}
        assert unhealthy == dict.fromkeys(LONG_RUNNING, ("running", "healthy"))
        init = services["airflow-init"]
        assert (init["State"], init["ExitCode"]) == ("exited", 0)

    def test_prints_the_login_that_the_api_server_accepts(self, compose_project: ComposeProject):
        # The fixture logged in with the .env's values; make up printed those.
        values = read_env(compose_project.folder / ".env")
        login = f"Login: {values['_AIRFLOW_WWW_USER_USERNAME']} / {values['_AIRFLOW_WWW_USER_PASSWORD']}"
        assert login in compose_project.make_up_output
        assert compose_project.api.get("/version")["version"]

    def test_a_dag_in_the_project_runs_on_the_worker_and_its_log_is_served(self, compose_project: ComposeProject):
        api = compose_project.api
        api.request(
            "POST", "/connections", json={"connection_id": PROBE_CONNECTION, "conn_type": "generic", "host": PROBE_HOST}
        )
        api.wait_dag(PROBE_DAG_ID, timeout=DAG_PARSE_TIMEOUT)
        run_id = api.trigger(PROBE_DAG_ID)
        assert api.wait_run(PROBE_DAG_ID, run_id, timeout=180) == "success"

        [instance] = api.task_instances(PROBE_DAG_ID, run_id)
        worker = compose_project.services()["airflow-worker"]["Name"]
        assert instance["hostname"] == _hostname(worker)
        assert api.xcom(PROBE_DAG_ID, run_id, PROBE_TASK_ID) == PROBE_HOST
        log = compose_project.folder / "logs" / f"dag_id={PROBE_DAG_ID}" / f"run_id={run_id}"
        assert probe_log_line(1) in (log / f"task_id={PROBE_TASK_ID}" / "attempt=1.log").read_text()
        assert probe_log_line(1) in api.task_log(PROBE_DAG_ID, run_id, PROBE_TASK_ID, 1)


class TestMakeDown:
    def test_removes_the_containers_and_network_and_keeps_the_database_volume(self, compose_project: ComposeProject):
        down = compose_project.make("down")
        assert down.returncode == 0, down.stderr
        assert compose_project.labelled("container") == []
        assert compose_project.labelled("network") == []
        assert len(compose_project.labelled("volume")) == 2, "the database and config volumes outlive make down"

    def test_drops_the_volumes_with_args_v(self, compose_project: ComposeProject):
        down = compose_project.make("down", "ARGS=-v")
        assert down.returncode == 0, down.stderr
        assert compose_project.labelled("volume") == []


def _hostname(container: str) -> str:
    inspected = subprocess.run(
        ["podman", "inspect", "--format", "{{.Config.Hostname}}", container], capture_output=True, text=True
    )
    assert inspected.returncode == 0, inspected.stderr
    return inspected.stdout.strip()
