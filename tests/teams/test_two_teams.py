"""Two teams on one native Celery stack (FAB auth manager, moto Secrets Manager): queues, workers, roles, secrets
and pools keep them apart.

What this proves locally and what only AWS enforces: each team's worker runs its team's tasks alone, and its task
runners look secrets up under the team's prefix only (the Secrets Manager backend's kwargs), so a team's task
never finds another team's connection through Airflow. moto does not enforce IAM: a task calling Secrets Manager
with the worker's own credentials could read any name here. On EKS the team worker set's IRSA role allows its
own prefix alone; tests/infra/test_stack_teams.py asserts those policies.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from airflow_settings.teams import Team
from local_airflow.processes import stop_on_signals
from local_airflow.rest_client import AirflowAPIError, AirflowClient
from local_airflow.stack import NativeStack
from local_airflow.teams import FAB_AUTH_MANAGER

pytestmark = pytest.mark.stack

DAGS = Path(__file__).parent / "dags"
TEAMS = (
    Team(name="alpha", queue="alpha", pools={"alpha_etl": 2}, role="team-alpha"),
    Team(name="beta", queue="beta", pools={"beta_etl": 1}, role="team-beta"),
)
MEMBERS = {"alpha": ("alice", "alice-pw"), "beta": ("bob", "bob-pw")}
CONNECTIONS = {
    "alpha": ("alpha_warehouse", {"conn_type": "postgres", "host": "alpha.warehouse.internal"}),
    "beta": ("beta_warehouse", {"conn_type": "postgres", "host": "beta.warehouse.internal"}),
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    stop_on_signals(signal.SIGTERM)
    native = NativeStack(
        root=tmp_path_factory.mktemp("teams"),
        dags_folder=DAGS,
        git_bundle=False,
        teams=TEAMS,
        overrides={"AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER},
    ).start()
    try:
        secrets = native.aws.client("secretsmanager")
        for team, (conn_id, connection) in CONNECTIONS.items():
            secrets.create_secret(
                Name=f"airflow/teams/{team}/connections/{conn_id}", SecretString=json.dumps(connection)
            )
        for team in TEAMS:
            native.create_user(*MEMBERS[team.name], team.role)
        yield native
    finally:
        native.stop()


@pytest.fixture(scope="module")
def admin(stack: NativeStack) -> AirflowClient:
    return stack.client()


@pytest.fixture(scope="module")
def alice(stack: NativeStack) -> AirflowClient:
    return AirflowClient(stack.api_url, *MEMBERS["alpha"])


@pytest.fixture(scope="module")
def beta_run(admin: AirflowClient) -> str:
    run_id = admin.trigger("team_beta_probe")
    assert admin.wait_run("team_beta_probe", run_id) == "success"
    return run_id


@pytest.fixture(scope="module")
def alpha_run(admin: AirflowClient) -> str:
    run_id = admin.trigger("team_alpha_probe")
    assert admin.wait_run("team_alpha_probe", run_id) == "success"
    return run_id


def test_each_teams_task_runs_on_its_own_worker(admin: AirflowClient, alpha_run: str, beta_run: str):
    # Only a team's worker has [workers] secrets_backend_kwargs set: a task on the shared worker would fail.
    assert admin.xcom("team_beta_probe", beta_run, "worker_prefix") == "airflow/teams/beta/connections"
    assert admin.xcom("team_alpha_probe", alpha_run, "worker_prefix") == "airflow/teams/alpha/connections"
    queues = {ti["queue"] for ti in admin.task_instances("team_beta_probe", beta_run)}
    assert queues == {"beta"}


def test_a_team_member_is_refused_the_other_teams_dag_runs_and_logs(alice: AirflowClient, beta_run: str):
    refused = {
        "the DAG": ("GET", "/dags/team_beta_probe", {}),
        "its runs": ("GET", "/dags/team_beta_probe/dagRuns", {}),
        "its run": ("GET", f"/dags/team_beta_probe/dagRuns/{beta_run}", {}),
        "a trigger": ("POST", "/dags/team_beta_probe/dagRuns", {"json": {"logical_date": None}}),
        "its log": ("GET", f"/dags/team_beta_probe/dagRuns/{beta_run}/taskInstances/worker_prefix/logs/1", {}),
    }
    statuses = {}
    for what, (method, path, kwargs) in refused.items():
        with pytest.raises(AirflowAPIError) as refusal:
            alice.request(method, path, **kwargs)
        statuses[what] = refusal.value.status_code
    assert statuses == dict.fromkeys(refused, 403)


def test_a_team_member_sees_and_reads_its_own_teams_dags(alice: AirflowClient, alpha_run: str):
    assert sorted(alice.dag_ids()) == ["team_alpha_fanout", "team_alpha_probe"]
    assert "worker_prefix" in alice.task_log("team_alpha_probe", alpha_run, "worker_prefix", 1)


def test_the_admin_sees_every_teams_dags(admin: AirflowClient):
    assert sorted(admin.dag_ids()) == ["team_alpha_fanout", "team_alpha_probe", "team_beta_probe"]


def test_a_teams_task_reads_its_own_connection_and_not_the_other_teams(admin: AirflowClient, alpha_run: str):
    assert admin.xcom("team_alpha_probe", alpha_run, "own_connection") == "alpha.warehouse.internal"
    assert admin.xcom("team_alpha_probe", alpha_run, "other_teams_connection") == "refused: AirflowNotFoundException"


def test_a_teams_pool_limit_holds_under_a_fan_out(admin: AirflowClient):
    run_id = admin.trigger("team_alpha_fanout")
    assert admin.wait_run("team_alpha_fanout", run_id) == "success"
    spans = [(ti["start_date"], ti["end_date"]) for ti in admin.task_instances("team_alpha_fanout", run_id)]
    assert len(spans) == 6
    # The most tasks running at one time: the pool's 2 slots, though the team's worker has 16.
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running, most = 0, 0
    for _, change in events:
        running += change
        most = max(most, running)
    assert most == TEAMS[0].pools["alpha_etl"]
    assert {ti["pool"] for ti in admin.task_instances("team_alpha_fanout", run_id)} == {"alpha_etl"}
