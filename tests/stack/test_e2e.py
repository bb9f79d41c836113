"""End-to-end on the native Celery stack, through the REST API only: states, XComs, logs, AWS wiring."""

from __future__ import annotations

import pytest

from local_airflow.processes import HEALTH_PARTS, health_report, wait_for
from local_airflow.rest_client import AirflowAPIError, AirflowClient
from local_airflow.stack import LOG_BUCKET, NativeStack
from tests.stack.conftest import DATA_REGION, WAREHOUSE_CONNECTION

pytestmark = pytest.mark.stack

DAG_ID = "stack_e2e"


@pytest.fixture(scope="module")
def e2e_run(client: AirflowClient) -> str:
    run_id = client.trigger(DAG_ID)
    assert client.wait_run(DAG_ID, run_id, timeout=180) == "success"
    return run_id


class TestRunThroughRestApi:
    """A triggered run: every task succeeds once, XComs flow, the log says what the task did."""

    def test_should_succeed_every_task_on_first_try(self, client: AirflowClient, e2e_run: str):
        instances = client.task_instances(DAG_ID, e2e_run)
        assert {ti["task_id"]: (ti["state"], ti["try_number"]) for ti in instances} == {
            "produce": ("success", 1),
            "consume": ("success", 1),
        }

    def test_should_list_every_task_of_a_run_larger_than_an_api_page(self, client: AirflowClient):
        # The 200-task fan-out the bench times: its failed-tries figure needs every instance, past page one.
        run_id = client.trigger("load_fanout")
        assert client.wait_run("load_fanout", run_id, timeout=300, interval=1.0) == "success"
        instances = client.task_instances("load_fanout", run_id)
        assert len({ti["task_id"] for ti in instances}) == len(instances) == 200
        assert {(ti["state"], ti["try_number"]) for ti in instances} == {("success", 1)}

    def test_should_pass_xcom_between_tasks(self, client: AirflowClient, e2e_run: str):
        assert client.xcom(DAG_ID, e2e_run, "produce") == {"rows": 42}
        assert client.xcom(DAG_ID, e2e_run, "consume") == f"{WAREHOUSE_CONNECTION['host']}/{DATA_REGION}/42"

    def test_should_serve_the_task_log(self, client: AirflowClient, e2e_run: str):
        log = client.task_log(DAG_ID, e2e_run, "consume", 1)
        host = WAREHOUSE_CONNECTION["host"]
        assert f"STACK-E2E host={host} login=reader region={DATA_REGION} rows=42" in log
        assert WAREHOUSE_CONNECTION["password"] not in log


class TestSecretsManagerBackend:
    """Connections and variables come from Secrets Manager (airflow/connections, airflow/variables)."""

    def test_should_not_find_the_connection_in_the_metadata_db(self, client: AirflowClient, e2e_run: str):
        with pytest.raises(AirflowAPIError) as refused:
            client.get("/connections/warehouse")
        assert refused.value.status_code == 404, "the connection must live only in Secrets Manager"

    def test_should_not_find_the_variable_in_the_metadata_db(self, client: AirflowClient, e2e_run: str):
        with pytest.raises(AirflowAPIError) as refused:
            client.get("/variables/data_region")
        assert refused.value.status_code == 404, "the variable must live only in Secrets Manager"


class TestS3RemoteLogging:
    """Task logs are uploaded to S3 and served from there once the local copy is gone."""

    def test_should_upload_the_log_and_serve_it_after_local_delete(
        self, stack: NativeStack, client: AirflowClient, e2e_run: str
    ):
        relative = f"dag_id={DAG_ID}/run_id={e2e_run}/task_id=consume/attempt=1.log"
        s3 = stack.aws.client("s3")
        wait_for(
            lambda: s3.list_objects_v2(Bucket=LOG_BUCKET, Prefix=f"logs/{relative}").get("KeyCount"),
            60,
            f"s3://{LOG_BUCKET}/logs/{relative}",
        )
        uploaded = s3.get_object(Bucket=LOG_BUCKET, Key=f"logs/{relative}")["Body"].read().decode()
        assert "STACK-E2E" in uploaded

        local = stack.airflow_home / "logs" / relative
        assert local.exists(), f"the worker wrote no local log at {local}"
        local.unlink()
        assert "STACK-E2E host=" in client.task_log(DAG_ID, e2e_run, "consume", 1)


class TestHealth:
    """The API server reports every component healthy."""

    def test_should_report_every_component_healthy(self, stack: NativeStack):
        health = health_report(stack.api_url)
        assert {part: health[part]["status"] for part in HEALTH_PARTS} == dict.fromkeys(HEALTH_PARTS, "healthy")


class TestWorkerWarmUp:
    """The compose environment's Celery config reaches the worker, which warms up before its pool starts."""

    def test_should_import_both_bundles_before_the_worker_is_ready(self, stack: NativeStack):
        log = stack.components["worker"].log.read_text(errors="replace")
        warmed = log.find("Worker warmed before the pool forks: bundle classes of dags-folder, git_dags imported")
        assert 0 <= warmed < log.find(" ready."), log[-2000:]
