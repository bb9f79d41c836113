"""The committed example stacks (Pulumi.dev.yaml, Pulumi.prod.yaml, Pulumi.mwaa.yaml), each built once per test
session under the mock runtime, and the fixtures that hand them out. An EKS stack has two stages (the platform
project at the root, then workloads/); its fixture holds both, the *_platform and *_workloads ones each.

tests/infra, tests/helm and tests/policy import the fixtures into their conftest.py; `example_stack` caches each
build, so however many folders a session runs, every stack is built once.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any

import pytest

from mwaa.layout import ARTIFACT_FILES
from tests.infra.harness import Built, Recorded, build_stack, stack_config
from tests.infra.staged_stacks import build_workloads, deployment

STACKS = ("dev", "prod", "mwaa")
EKS_STACKS = ("dev", "prod")
MONITORED = "dev-monitored"
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    MONITORED: (
        "dev",
        {
            "airflow-aws:observability": {
                "prometheusOperator": True,
                "monitorLabels": {"release": "kube-prometheus-stack"},
            }
        },
    ),
}
"""Example stacks that are a committed one with a few keys changed, for what the committed ones leave off: name ->
(the committed stack, the keys laid over its config). dev-monitored runs on a cluster with the Prometheus
operator (observability.prometheusOperator)."""


def committed(stack: str) -> str:
    """The committed stack an example stack is, or is a variant of."""
    return VARIANTS[stack][0] if stack in VARIANTS else stack


def with_stand_in_artifacts(config: dict[str, Any], directory: Path) -> dict[str, Any]:
    """`config` pointed at stand-ins for `make mwaa-artifacts` output in `directory`: the program only needs the
    files to exist."""
    for file_name in ARTIFACT_FILES.values():
        (directory / file_name).write_bytes(b"artifact " + file_name.encode())
    return {**config, "airflow-aws:mwaa": {**config["airflow-aws:mwaa"], "artifactsDir": str(directory)}}


@functools.cache
def example_platform(stack: str) -> Built:
    """The example stack `stack`'s platform stage (the root project; the only stage of mwaa), built under the
    mocks once per process."""
    base, changes = VARIANTS.get(stack, (stack, {}))
    config = {**stack_config(base), **changes}
    if base != "mwaa":
        return build_stack(base, config)
    with tempfile.TemporaryDirectory(prefix="mwaa-artifacts-") as directory:
        return build_stack(base, with_stand_in_artifacts(config, Path(directory)))


@functools.cache
def example_workloads(stack: str) -> Built:
    """The EKS example stack `stack`'s workloads stage, on its recorded platform stage with the image pushed."""
    return build_workloads(committed(stack), example_platform(stack))


@functools.cache
def example_stack(stack: str) -> Built:
    """Everything the example stack `stack` creates: for EKS both stages together (staged_stacks.deployment)."""
    if committed(stack) not in EKS_STACKS:
        return example_platform(stack)
    return deployment(example_platform(stack), example_workloads(stack))


def airflow_release(built: Built) -> Recorded:
    """The helm.v3.Release of the Airflow chart (the other Release is KEDA)."""
    (release,) = [r for r in built.of_type("kubernetes:helm.sh/v3:Release") if r.inputs.get("chart") == "airflow"]
    return release


@pytest.fixture(scope="session")
def dev_stack() -> Built:
    return example_stack("dev")


@pytest.fixture(scope="session")
def prod_stack() -> Built:
    return example_stack("prod")


@pytest.fixture(scope="session")
def mwaa_stack() -> Built:
    return example_stack("mwaa")


@pytest.fixture(params=EKS_STACKS, ids=[f"{stack}_stack" for stack in EKS_STACKS])
def eks_stack(request: pytest.FixtureRequest) -> Built:
    """Each EKS example stack in turn, both stages."""
    return example_stack(request.param)


@pytest.fixture(params=EKS_STACKS, ids=[f"{stack}_platform" for stack in EKS_STACKS])
def eks_platform(request: pytest.FixtureRequest) -> Built:
    """Each EKS example stack's platform stage in turn."""
    return example_platform(request.param)


@pytest.fixture(params=EKS_STACKS, ids=[f"{stack}_workloads" for stack in EKS_STACKS])
def eks_workloads(request: pytest.FixtureRequest) -> Built:
    """Each EKS example stack's workloads stage in turn."""
    return example_workloads(request.param)
