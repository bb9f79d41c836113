"""The runbook commands (`python -m ops …`) on the native stack: each does its job, and refuses a bad DAG id, state,
date or conf before it changes anything."""

from __future__ import annotations

import json
import sys

import pytest

from local_airflow.processes import wait_for
from local_airflow.rest_client import AirflowAPIError, AirflowClient

pytestmark = pytest.mark.stack

DAG = "ops_pipeline"
FAIL_SWITCH = "ops_pipeline_fail"


def set_failing(client: AirflowClient, failing: bool) -> None:
    value = "true" if failing else "false"
    try:
        client.request("PATCH", f"/variables/{FAIL_SWITCH}", json={"key": FAIL_SWITCH, "value": value})
    except AirflowAPIError as err:
        if err.status_code != 404:
            raise
        client.request("POST", "/variables", json={"key": FAIL_SWITCH, "value": value})


def task_states(client: AirflowClient, run_id: str) -> dict[str, str]:
    return {ti["task_id"]: ti["state"] for ti in client.task_instances(DAG, run_id)}


@pytest.fixture
def failed_run(client: AirflowClient, ops) -> str:
    """A run whose `check` failed and whose `load` is upstream_failed; the switch is off again afterwards."""
    client.wait_dag(DAG)
    set_failing(client, True)
    run_id = client.trigger(DAG)
    assert client.wait_run(DAG, run_id) == "failed"
    set_failing(client, False)
    assert task_states(client, run_id) == {"extract": "success", "check": "failed", "load": "upstream_failed"}
    return run_id


class TestTriggerAndWait:
    """trigger with conf, wait for the run."""

    def test_should_start_a_run_with_its_conf_and_wait_for_success(self, client: AirflowClient, ops):
        client.wait_dag(DAG)
        status, out, _ = ops("trigger", DAG, "--conf", '{"day": "2026-11-01"}', "--wait", "--timeout", "300")
        assert status == 0, out
        run_id = out.split("triggered ", 1)[1].split()[0]
        assert client.run(DAG, run_id)["conf"] == {"day": "2026-11-01"}
        assert out.rstrip().endswith(f"{run_id}: success")

    def test_should_exit_1_when_the_awaited_run_failed(self, ops, failed_run: str):
        status, out, _ = ops("wait", DAG, failed_run, "--timeout", "60")
        assert (status, out.rstrip().splitlines()[-1]) == (1, f"{DAG} {failed_run}: failed")


class TestClearFailed:
    """clear: the failed task and what depends on it run again."""

    def test_should_clear_the_failed_task_and_its_downstream(self, client: AirflowClient, ops, failed_run: str):
        status, out, _ = ops("clear", DAG, "--run", failed_run, "--task", "check", "--downstream", "--dry-run")
        assert status == 0 and "would clear 2 task instance(s)" in out, out
        assert task_states(client, failed_run)["check"] == "failed", "a dry run changed a state"

        status, out, _ = ops("clear", DAG, "--run", failed_run, "--task", "check", "--downstream")
        assert status == 0 and "cleared 2 task instance(s)" in out, out
        assert client.wait_run(DAG, failed_run) == "success"
        assert set(task_states(client, failed_run).values()) == {"success"}
        assert len(client.tries(DAG, failed_run, "check")) == 2


class TestMark:
    """mark: one task instance (Airflow then resumes its failed downstream), or a whole run."""

    def test_should_mark_a_task_instance_and_resume_its_downstream(self, client: AirflowClient, ops, failed_run: str):
        status, out, _ = ops("mark", DAG, failed_run, "success", "--task", "check")
        assert (status, out.strip()) == (0, f"{DAG} {failed_run}: marked success: check")
        wait_for(lambda: client.run_state(DAG, failed_run) == "success", 120, "the resumed run to succeed")
        assert task_states(client, failed_run) == {"extract": "success", "check": "success", "load": "success"}
        assert len(client.tries(DAG, failed_run, "check")) == 1, "marking ran the task again"

    def test_should_mark_a_run(self, client: AirflowClient, ops, failed_run: str):
        status, out, _ = ops("mark", DAG, failed_run, "success")
        assert (status, out.strip()) == (0, f"{DAG} {failed_run}: marked success")
        assert client.run_state(DAG, failed_run) == "success"


class TestBackfill:
    """backfill: Airflow 3's backfill API, with max_active_runs and the reprocess behaviour."""

    def test_should_backfill_the_dates_then_skip_or_reprocess_them(self, client: AirflowClient, ops):
        client.wait_dag(DAG)
        dates = ("--from", "2026-11-01", "--to", "2026-11-03")
        status, out, _ = ops("backfill", DAG, *dates, "--max-active-runs", "1", "--wait", "--timeout", "600")
        assert status == 0, out
        assert "3 run(s) to create (reprocess none)" in out and "3 run(s) succeeded, 0 did not" in out
        backfill_id = int(out.split("backfill ", 1)[1].split()[0])
        assert client.backfill(backfill_id)["max_active_runs"] == 1
        runs = client.runs(DAG, run_type="backfill")
        assert sorted(run["logical_date"][:10] for run in runs) == ["2026-11-01", "2026-11-02", "2026-11-03"]

        status, _, err = ops("backfill", DAG, *dates)
        assert status == 2 and "nothing to backfill" in err and "--reprocess" in err
        status, out, _ = ops("backfill", DAG, *dates, "--reprocess", "completed", "--dry-run")
        assert status == 0 and "3 run(s) to create (reprocess completed)" in out
        assert len(client.runs(DAG, run_type="backfill")) == 3, "a refusal or a dry run created runs"


class TestPauseDeployUnpause:
    """deploy: pause, run the deploy command, unpause; a failed deploy leaves the DAGs paused."""

    def test_should_pause_around_the_deploy_command(self, client: AirflowClient, ops, tmp_path):
        seen = tmp_path / "paused-during-deploy"
        probe = (
            "import json, os, sys; from local_airflow.rest_client import AirflowClient; "
            "client = AirflowClient(os.environ['AIRFLOW_API_URL'], os.environ['AIRFLOW_API_USERNAME'], "
            "os.environ['AIRFLOW_API_PASSWORD']); "
            f"open({str(seen)!r}, 'w').write(json.dumps(client.dag({DAG!r})['is_paused']))"
        )
        status, out, _ = ops("deploy", "--dag", DAG, "--", sys.executable, "-c", probe)
        assert status == 0, out
        assert json.loads(seen.read_text()) is True
        assert client.dag(DAG)["is_paused"] is False

    def test_should_leave_the_dags_paused_when_the_deploy_fails(self, client: AirflowClient, ops):
        status, _, err = ops("deploy", "--dag", DAG, "--", "false")
        assert status == 1 and f"left paused: unpause with `python -m ops unpause {DAG}`" in err
        assert client.dag(DAG)["is_paused"] is True
        status, out, _ = ops("unpause", DAG)
        assert status == 0 and f"unpaused: {DAG}" in out
        assert client.dag(DAG)["is_paused"] is False


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["trigger", "ops_pipline"], "no DAG 'ops_pipline'"),
        (["backfill", "ops_pipline", "--from", "2026-11-01", "--to", "2026-11-02"], "did you mean ops_pipeline?"),
        (["clear", "ops_pipline", "--from", "2026-11-01"], "no DAG 'ops_pipline'"),
        (["pause", DAG, "ops_pipline"], "no DAG 'ops_pipline'"),
        (["wait", DAG, "manual__1999-01-01"], "has no run 'manual__1999-01-01'"),
        (["mark", DAG, "manual__1999-01-01", "success"], "has no run 'manual__1999-01-01'"),
        (["mark", DAG, "any-run", "running"], "the state 'running' is not one of success, failed"),
        (["mark", DAG, "any-run", "queued", "--task", "check"], "is not one of success, failed, skipped"),
        (["backfill", DAG, "--from", "2026-13-01", "--to", "2026-11-02"], "--from '2026-13-01' is not a date"),
        (["backfill", DAG, "--from", "2026-11-03", "--to", "2026-11-01"], "is after --to"),
        (["backfill", DAG, "--from", "2026-11-01", "--to", "2026-11-02", "--max-active-runs", "0"], "1 or more"),
        (["clear", DAG, "--from", "yesterday"], "--from 'yesterday' is not a date"),
        (["clear", DAG, "--from", "2026-11-01", "--task", "chek"], "has no task chek; its tasks: check, extract"),
        (["trigger", DAG, "--conf", "[1, 2]"], "--conf must be a JSON object"),
        (["trigger", DAG, "--conf", "{day: 1}"], "--conf is not JSON"),
        (["deploy", "--dag", "ops_pipline", "--", "true"], "no DAG 'ops_pipline'"),
    ],
    ids=[
        "trigger-dag",
        "backfill-dag",
        "clear-dag",
        "pause-dag",
        "wait-run",
        "mark-run",
        "mark-run-state",
        "mark-task-state",
        "backfill-date",
        "backfill-order",
        "backfill-max-active-runs",
        "clear-date",
        "clear-task",
        "trigger-conf",
        "trigger-json",
        "deploy-dag",
    ],
)
def test_should_refuse_bad_input_before_changing_anything(client: AirflowClient, ops, argv, message):
    client.wait_dag(DAG)
    before = (client.dag(DAG)["is_paused"], len(client.runs(DAG)))
    status, _, err = ops(*argv)
    assert (status, message in err) == (2, True), err
    assert (client.dag(DAG)["is_paused"], len(client.runs(DAG))) == before
