"""A stack with two teams (tests/infra/team_stacks.py) as Helm renders its release: a worker set per team beside the
shared one, each with its own service account, IRSA role, KEDA query, disruption budget and secrets prefixes, and
the same hardening and network flows as the shared workers."""

from __future__ import annotations

import functools
import ipaddress
import json

import jmespath
import pytest
import yaml

from infra.team_values import SHARED_SET, TEAMS_SYNC
from policy.airflow_aws_policies.pod_security import RenderedContainer, restricted_violations
from tests.helm.chart_utils import Rendered, helm_template, render_stack, schema_errors
from tests.helm.network_flows import Endpoint, Flow, allowed_of, denied_of
from tests.helm.test_network_policies import needed_flows, stack_endpoints, unneeded_flows
from tests.helm.test_rendered_objects import scaled_object_validator, strict_schema_errors
from tests.infra.example_stacks import airflow_release
from tests.infra.harness import ACCOUNT_ID
from tests.infra.team_stacks import TEAMS, TEAMS_NAME_PREFIX, TEAMS_STACK, teams_config, teams_stack

TEAM_NAMES = [team["name"] for team in TEAMS]
SETS = [SHARED_SET, *TEAM_NAMES]


@functools.cache
def rendered() -> Rendered:
    release = airflow_release(teams_stack()).inputs
    kube_version = teams_config()["airflow-aws:eks"].get("version", "1.35")
    manifests = helm_template(release["values"], namespace=release["namespace"], kube_version=kube_version)
    documents = [document for document in yaml.safe_load_all(manifests) if document]
    return Rendered(TEAMS_STACK, release["namespace"], kube_version, release["values"], documents)


def worker(name: str) -> dict:
    return rendered().get("Deployment", f"airflow-worker-{name}")


def command_of(container: dict) -> str:
    """The container's bash -c script as one line."""
    return " ".join(container["args"][-1].replace("\\", " ").split())


def worker_container(name: str) -> dict:
    (container,) = [c for c in worker(name)["spec"]["template"]["spec"]["containers"] if c["name"] == "worker"]
    return container


class TestTeamWorkerValues:
    """What the release receives: chart-valid values, the default set replaced by the shared one."""

    def test_should_pass_the_tightened_chart_schema(self):
        assert schema_errors(rendered().values) == []

    def test_should_render_one_worker_deployment_per_set_and_no_default_one(self):
        deployments = {
            d["metadata"]["name"] for d in rendered().of_kind("Deployment") if "worker" in d["metadata"]["name"]
        }
        assert deployments == {f"airflow-worker-{name}" for name in SETS}

    @pytest.mark.parametrize("team", TEAMS, ids=TEAM_NAMES)
    def test_should_serve_the_teams_queue_only(self, team: dict):
        assert command_of(worker_container(team["name"])) == f"exec airflow celery worker -q {team['queue']}"

    def test_should_serve_the_default_queue_on_the_shared_set(self):
        assert command_of(worker_container(SHARED_SET)) == "exec airflow celery worker"


class TestTeamObjects:
    """Every object of the release strictly valid, each ScaledObject against KEDA's vendored CRD."""

    def test_should_validate_every_object_strictly(self):
        assert strict_schema_errors(rendered()) == []

    def test_should_validate_every_scaled_object_against_the_crd(self):
        validator = scaled_object_validator()
        scaled = rendered().of_kind("ScaledObject")
        assert len(scaled) == len(SETS)
        assert [e.message for document in scaled for e in validator.iter_errors(document)] == []


class TestTeamServiceAccounts:
    """Each team's pods run under its own account, annotated with its own role; no account twice."""

    @pytest.mark.parametrize("team", TEAM_NAMES)
    def test_should_run_each_team_under_its_own_irsa_role(self, team: str):
        account = worker(team)["spec"]["template"]["spec"]["serviceAccountName"]
        assert account == f"airflow-worker-{team}"
        annotations = rendered().get("ServiceAccount", account)["metadata"]["annotations"]
        role = f"arn:aws:iam::{ACCOUNT_ID}:role/{TEAMS_NAME_PREFIX}-irsa-airflow-worker-{team}"
        assert annotations == {"eks.amazonaws.com/role-arn": role}

    def test_should_annotate_each_team_role_on_exactly_its_account(self):
        annotated = {
            sa["metadata"]["name"]: sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
            for sa in rendered().of_kind("ServiceAccount")
            if "eks.amazonaws.com/role-arn" in (sa["metadata"].get("annotations") or {})
        }
        team_roles = {name: arn for name, arn in annotated.items() if "-irsa-airflow-worker-" in arn}
        assert team_roles == {f"airflow-worker-{team}": annotated[f"airflow-worker-{team}"] for team in TEAM_NAMES}
        assert len(set(annotated.values())) == len(annotated), "two accounts share an IRSA role"

    def test_should_run_the_shared_set_under_the_shared_workers_account(self):
        assert worker(SHARED_SET)["spec"]["template"]["spec"]["serviceAccountName"] == "airflow-worker"

    def test_should_mount_no_api_token_in_any_team_account(self):
        accounts = [rendered().get("ServiceAccount", f"airflow-worker-{team}") for team in TEAM_NAMES]
        assert [sa.get("automountServiceAccountToken") for sa in accounts] == [False] * len(TEAM_NAMES)


class TestTeamScaling:
    """KEDA scales each set on its own queue, within the team's bounds."""

    @pytest.mark.parametrize("team", TEAMS, ids=TEAM_NAMES)
    def test_should_count_only_the_teams_queue(self, team: dict):
        scaled = rendered().get("ScaledObject", f"airflow-worker-{team['name']}")
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["metadata"]["query"].endswith(f"AND queue IN ('{team['queue']}')")
        assert scaled["spec"]["scaleTargetRef"]["name"] == f"airflow-worker-{team['name']}"
        bounds = team["workerSet"]
        assert [scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]] == [
            bounds["minReplicas"],
            bounds["maxReplicas"],
        ]

    def test_should_count_the_default_queue_for_the_shared_set(self):
        (trigger,) = rendered().get("ScaledObject", f"airflow-worker-{SHARED_SET}")["spec"]["triggers"]
        assert trigger["metadata"]["query"].endswith("AND queue IN ('default')")


class TestTeamDisruptionBudgets:
    """A budget per set, none covering another set's pods: Kubernetes refuses to evict a pod two budgets cover."""

    def test_should_cover_every_worker_pod_with_exactly_one_budget(self):
        budgets = rendered().of_kind("PodDisruptionBudget")
        covered = {}
        for where, template in rendered().pod_templates():
            labels = template["metadata"]["labels"]
            matching = [
                b["metadata"]["name"]
                for b in budgets
                if all(labels.get(key) == value for key, value in b["spec"]["selector"]["matchLabels"].items())
            ]
            covered[where] = len(matching)
        assert {where: count for where, count in covered.items() if count > 1} == {}
        assert all(covered[f"Deployment/airflow-worker-{name}"] == 1 for name in SETS)


class TestTeamSecrets:
    """Each team's task runners look secrets up under the team's prefixes; the shared set keeps the shared ones."""

    @pytest.mark.parametrize("team", TEAM_NAMES)
    def test_should_point_the_task_runners_at_the_teams_prefixes(self, team: str):
        env = {e["name"]: e.get("value") for e in worker_container(team)["env"]}
        assert json.loads(env["AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS"]) == {
            "connections_prefix": f"airflow-teams/teams/{team}/connections",
            "variables_prefix": f"airflow-teams/teams/{team}/variables",
        }
        assert env["AIRFLOW__WORKERS__SECRETS_BACKEND"].endswith("SecretsManagerBackend")

    def test_should_leave_the_shared_set_on_the_shared_prefixes(self):
        names = {e["name"] for e in worker_container(SHARED_SET)["env"]}
        assert not {n for n in names if n.startswith("AIRFLOW__WORKERS__SECRETS")}


class TestTeamRosterAndJobs:
    """The roster in every pod's airflow.cfg; the create-user Job syncs the roles and pools, secrets-free."""

    def test_should_carry_the_roster_in_the_config(self):
        config = rendered().get("ConfigMap", "airflow-config")["data"]["airflow.cfg"]
        assert "[platform_teams]" in config
        roster = json.loads(config.split("[platform_teams]")[1].split("roster = ", 1)[1].splitlines()[0])
        assert [(t["name"], t["role"], t["pools"]) for t in roster] == [
            (team["name"], team["role"], team["pools"]) for team in TEAMS
        ]

    def test_should_sync_roles_and_pools_after_creating_the_admin(self):
        job = rendered().job("airflow-create-user")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["args"][-1].endswith(f"&& {TEAMS_SYNC}")
        # The same variables as the job of a stack without teams: the sync needs no secret of its own.
        (without_teams,) = render_stack("dev").job("airflow-create-user")["spec"]["template"]["spec"]["containers"]
        assert [e["name"] for e in container["env"]] == [e["name"] for e in without_teams["env"]]


class TestTeamPodHardening:
    """The team pods are held to what every pod is: restricted, sized, with the team's own resources."""

    @pytest.mark.parametrize("team", TEAMS, ids=TEAM_NAMES)
    def test_should_restrict_and_size_every_container(self, team: dict):
        spec = worker(team["name"])["spec"]["template"]["spec"]
        problems = [
            problem
            for container in spec.get("initContainers", []) + spec["containers"]
            for problem in restricted_violations(
                RenderedContainer(
                    team["name"],
                    container["name"],
                    spec.get("securityContext") or {},
                    container.get("securityContext") or {},
                )
            )
        ]
        assert problems == []
        bounds = team["workerSet"]
        assert jmespath.search("resources", worker_container(team["name"])) == {
            "requests": {"cpu": bounds["cpu"], "memory": bounds["memory"]},
            "limits": {"memory": bounds["memory"]},
        }


def _team_endpoints() -> dict[str, Endpoint]:
    """The dev example's endpoints (the teams stack has the dev network), plus one pod per team worker set."""
    endpoints = dict(stack_endpoints("dev"))
    hosts = iter(ipaddress.ip_network("10.40.100.0/24").hosts())
    for name in SETS:
        labels = worker(name)["spec"]["template"]["metadata"]["labels"]
        endpoints[f"worker-{name}"] = Endpoint(f"worker-{name}", str(next(hosts)), rendered().namespace, labels)
    return endpoints


def _team_policies() -> list[dict]:
    chart = [
        {**policy, "metadata": {**policy["metadata"], "namespace": rendered().namespace}}
        for policy in rendered().of_kind("NetworkPolicy")
    ]
    created = [
        {"metadata": r.inputs["metadata"], "spec": r.inputs["spec"]}
        for r in teams_stack().of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    ]
    return chart + created


def _as_set(flows: list[Flow], name: str) -> list[Flow]:
    """The default worker's flows, with a worker set's pod in its place."""
    swap = {"worker": f"worker-{name}"}
    return [
        Flow(swap.get(f.source, f.source), swap.get(f.destination, f.destination), f.port, f.protocol)
        for f in flows
        if "worker" in (f.source, f.destination) and f.source != f.destination
    ]


@pytest.mark.parametrize("name", SETS)
class TestTeamNetworkFlows:
    """Each set's pods get exactly the shared workers' flows (the flow matrix of test_network_policies.py)."""

    def test_should_allow_every_flow_a_worker_needs(self, name: str):
        flows = _as_set(needed_flows("dev"), name)
        assert flows, "no worker flow to check"
        assert denied_of(_team_policies(), _team_endpoints(), flows) == []

    def test_should_deny_what_no_worker_needs(self, name: str):
        flows = _as_set(unneeded_flows("dev"), name)
        assert flows, "no worker flow to check"
        assert allowed_of(_team_policies(), _team_endpoints(), flows) == []
