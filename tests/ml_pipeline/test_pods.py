"""example_ml_pipeline's pods, built by the cncf.kubernetes provider: restricted, sized, IRSA, our image, no secrets."""

from __future__ import annotations

import re

import jmespath
import kubernetes_validate
import pytest
from ml_steps.__main__ import parser

from infra.presets import PRESETS
from tests.examples.dagruns import load_dag
from tests.ml_pipeline.pods import DAG_ID, IMAGE, RUN_ID, built_pods, platform_environment, restricted_violations

STEPS = ["prepare_features", "train", "evaluate", "publish"]
# The Kubernetes version the EKS stacks run: the schemas the pods are validated against.
KUBERNETES_VERSION = PRESETS["prod"]["eks"]["version"]
CREDENTIAL_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL", re.IGNORECASE)


@pytest.fixture(scope="module")
def pods() -> dict[str, dict]:
    return built_pods()


@pytest.fixture(scope="module")
def dag():
    with platform_environment():
        return load_dag(DAG_ID, f"{DAG_ID}.py")


def containers(pod: dict) -> list[dict]:
    return jmespath.search("spec.[containers, initContainers][][]", pod) or []


def step_arguments(pod: dict):
    """The `python -m ml_steps …` arguments of the pod's main container, parsed by the steps' own CLI."""
    args = jmespath.search("spec.containers[?name=='base'] | [0].args", pod)
    assert args[:3] == ["python", "-m", "ml_steps"], args
    return parser().parse_args(args[3:])


class TestEveryPod:
    """Each step's pod passes the API server's schema and the restricted profile, and carries no secret."""

    def test_should_build_one_pod_per_step(self, pods):
        assert sorted(pods) == sorted(STEPS)

    @pytest.mark.parametrize("step", STEPS)
    def test_should_validate_against_the_strict_kubernetes_schema(self, pods, step):
        try:
            kubernetes_validate.validate(pods[step], KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as err:
            pytest.fail(f"{step}: {err.message} at {list(err.absolute_path)}")

    @pytest.mark.parametrize("step", STEPS)
    def test_should_meet_pod_security_restricted(self, pods, step):
        assert restricted_violations(step, pods[step]) == []
        assert jmespath.search("spec.securityContext.seccompProfile.type", pods[step]) == "RuntimeDefault"
        for container in containers(pods[step]):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, container["name"]

    @pytest.mark.parametrize("step", STEPS)
    def test_should_run_our_image_in_every_container(self, pods, step):
        assert {container["image"] for container in containers(pods[step])} == {IMAGE}

    @pytest.mark.parametrize("step", STEPS)
    def test_should_request_and_limit_cpu_and_memory_in_every_container(self, pods, step):
        for container in containers(pods[step]):
            for bound in ("requests", "limits"):
                assert set(container["resources"].get(bound, {})) == {"cpu", "memory"}, (container["name"], bound)

    @pytest.mark.parametrize("step", STEPS)
    def test_should_reach_aws_as_the_irsa_service_account_without_the_api_token(self, pods, step):
        spec = pods[step]["spec"]
        assert spec["serviceAccountName"] == "ml-pipeline"
        assert spec["automountServiceAccountToken"] is False

    @pytest.mark.parametrize("step", STEPS)
    def test_should_carry_no_secret_in_the_environment(self, pods, step):
        for container in containers(pods[step]):
            assert not container.get("envFrom"), container["name"]
            for variable in container.get("env") or []:
                assert "valueFrom" not in variable, variable
                assert not CREDENTIAL_NAME.search(variable["name"]), variable

    @pytest.mark.parametrize("step", STEPS)
    def test_should_let_the_image_entrypoint_run_the_step_without_waiting_for_the_db(self, pods, step):
        main = jmespath.search("spec.containers[?name=='base'] | [0]", pods[step])
        assert not main.get("command"), "command would bypass dumb-init and the entrypoint"
        assert {"name": "CONNECTION_CHECK_MAX_COUNT", "value": "0"} in main["env"]
        assert step_arguments(pods[step]).step == step.replace("_", "-")


class TestDataFlow:
    """Each step reads what the previous one wrote, under the run's own prefix."""

    def test_should_chain_the_locations_from_step_to_step(self, pods):
        prepare, train, evaluate, publish = (step_arguments(pods[step]) for step in STEPS)
        assert prepare.raw == "s3://ml-dev-churn/raw/customers/2026-11-20.csv"
        assert prepare.features == f"s3://ml-dev-churn/runs/{RUN_ID}/features.json"
        assert train.features == evaluate.features == prepare.features
        assert publish.model == evaluate.model == train.model
        assert publish.metrics == evaluate.metrics
        assert (publish.registry, publish.version) == ("s3://ml-dev-churn/models/churn", "20261120")

    def test_should_return_the_metrics_through_the_xcom_sidecar_only_from_evaluate(self, pods):
        with_sidecar = {
            step
            for step, pod in pods.items()
            if "airflow-xcom-sidecar" in jmespath.search("spec.containers[].name", pod)
        }
        assert with_sidecar == {"evaluate"}
        assert step_arguments(pods["evaluate"]).xcom_file == "/airflow/xcom/return.json"


class TestQualityGate:
    """Publishing waits on a short circuit over evaluate's metrics and the run's min_accuracy."""

    def test_should_order_the_steps_with_the_gate_before_publish(self, dag):
        assert dag.get_task("quality_gate").upstream_task_ids == {"evaluate"}
        assert dag.get_task("publish").upstream_task_ids == {"quality_gate"}
        assert dag.get_task("train").upstream_task_ids == {"prepare_features"}

    @pytest.mark.parametrize(("accuracy", "publish"), [(0.6, False), (0.75, True), (0.93, True)])
    def test_should_publish_only_a_good_enough_model(self, dag, accuracy, publish):
        gate = dag.get_task("quality_gate")
        assert gate.python_callable({"accuracy": accuracy, "log_loss": 0.4}, params={"min_accuracy": 0.75}) is publish
