"""The ML pipeline's pods as the cncf.kubernetes provider builds them, and the restricted-profile check on them.

No cluster here: each KubernetesPodOperator task renders its templates for a run and builds its pod with the
operator's own `build_pod_request_obj`, which is what it would send to the API server; the kubernetes client's
`sanitize_for_serialization` turns it into that request's JSON.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import ApiClient

from tests.examples.dagruns import DAGS_FOLDER, LOGICAL_DATE, load_dag

REPO_ROOT = DAGS_FOLDER.parent
DAG_ID = "example_ml_pipeline"
RUN_ID = "scheduled__2026-11-20T00:00:00+00:00"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/airflow-on-aws:test"
# What the platform's kubernetes_default connection carries for pods with an XCom sidecar (docs/patterns.md):
# in-cluster, and a sidecar that runs our image with its own requests and limits.
KUBERNETES_CONNECTION = {
    "conn_type": "kubernetes",
    "extra": {
        "in_cluster": True,
        "xcom_sidecar_container_image": IMAGE,
        "xcom_sidecar_container_resources": json.dumps(
            {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "50m", "memory": "64Mi"}}
        ),
    },
}


def run_context(dag) -> dict[str, Any]:
    """The template variables the pods' arguments use, for one scheduled run."""
    return {
        "dag": dag,
        "ds": LOGICAL_DATE.to_date_string(),
        "ds_nodash": LOGICAL_DATE.format("YYYYMMDD"),
        "run_id": RUN_ID,
        "params": dict(dag.params),
    }


@contextmanager
def platform_environment() -> Iterator[None]:
    """The image and connection the DAG reads as a worker on EKS would see them, for one DAG parse and build."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ML_STEPS_IMAGE", IMAGE)
        patch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", json.dumps(KUBERNETES_CONNECTION))
        yield


def built_pods() -> dict[str, dict[str, Any]]:
    """task_id -> the pod request of every KubernetesPodOperator task of the DAG, as JSON."""
    with platform_environment():
        dag = load_dag(DAG_ID, f"{DAG_ID}.py")
        pods = {}
        for task in dag.tasks:
            if isinstance(task, KubernetesPodOperator):
                task.render_template_fields(run_context(dag))
                pod = task.build_pod_request_obj(dry_run=True)
                pods[task.task_id] = ApiClient().sanitize_for_serialization(pod)
        return pods


def pod_security() -> ModuleType:
    """policy/airflow_aws_policies/pod_security.py, the restricted-profile check the policy pack runs on the chart.

    Loaded from its file: the package's __init__ imports pulumi_policy, which cannot share this environment with
    Airflow (FIELD-NOTES: protobuf), while this module imports nothing beyond the standard library.
    """
    name = "airflow_aws_policies_pod_security"
    if name not in sys.modules:
        path = REPO_ROOT / "policy" / "airflow_aws_policies" / "pod_security.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses resolve the module's annotations through sys.modules
        spec.loader.exec_module(module)
    return sys.modules[name]


def restricted_violations(task_id: str, pod: dict[str, Any]) -> list[str]:
    """What keeps each container of the pod from the Pod Security Standard `restricted`, per the pack's rules."""
    checker = pod_security()
    pod_context = pod["spec"].get("securityContext") or {}
    return [
        problem
        for container in pod["spec"]["containers"] + pod["spec"].get("initContainers", [])
        for problem in checker.restricted_violations(
            checker.RenderedContainer(task_id, container["name"], pod_context, container.get("securityContext") or {})
        )
    ]
