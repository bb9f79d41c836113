"""checkov on each EKS stack's release as Helm installs it (its namespace set on every object, which `helm template`
leaves out) plus the NetworkPolicies the stack creates beside it: no failure but those in checkov_exceptions.yaml.

checkov runs from its own tool environment (`uv tool run checkov==<pin>`, offline with --skip-download), once for
both stacks, one file per object.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from airflow_settings.versions import pin, uv_executable
from infra.job_names import base_name
from tests.helm.chart_utils import render_stack
from tests.infra.example_stacks import EKS_STACKS, example_stack

EXCEPTIONS_FILE = Path(__file__).resolve().parent / "checkov_exceptions.yaml"
CHECKOV = f"checkov=={pin('checkov').version}"
CHECKOV_TIMEOUT_SECONDS = 600


def installed_objects(stack: str) -> list[dict[str, Any]]:
    """The release's objects with the namespace Helm installs them into, and the stack's own NetworkPolicies."""
    rendered = render_stack(stack)
    objects = [{**doc, "metadata": {**doc["metadata"], "namespace": rendered.namespace}} for doc in rendered.documents]
    objects += [
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **policy.inputs}
        for policy in example_stack(stack).of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    ]
    return objects


@dataclass(frozen=True)
class Scan:
    """What checkov saw of one stack."""

    resources: frozenset[str]
    """Every resource it checked, as <kind>.<namespace>.<name>."""
    failures: frozenset[tuple[str, str]]
    """Every (check id, resource) it failed."""


def as_listed(resource: str) -> str:
    """checkov's <kind>.<namespace>.<name> as checkov_exceptions.yaml lists it: a Job by the name the chart gives it,
    without the digest of its manifest the post-renderer appends (infra/job_names.py), which changes with it."""
    kind, namespace, name = resource.split(".", 2)
    return f"{kind}.{namespace}.{base_name(name)}" if kind == "Job" else resource


@functools.cache
def scans() -> dict[str, Scan]:
    """Stack -> what checkov saw of it."""
    uv = uv_executable()
    assert shutil.which(uv), "checkov runs through `uv tool run`: install uv (https://docs.astral.sh/uv/) or set UV"
    with tempfile.TemporaryDirectory(prefix="checkov-release-") as directory:
        for stack in EKS_STACKS:
            folder = Path(directory) / stack
            folder.mkdir()
            for index, document in enumerate(installed_objects(stack)):
                (folder / f"{index:02d}-{document['kind']}.yaml").write_text(yaml.safe_dump(document))
        command = [uv, "tool", "run", CHECKOV, "--skip-download", "--framework", "kubernetes", "-d", directory]
        result = subprocess.run(
            [*command, "--output", "json"],
            capture_output=True,
            text=True,
            timeout=CHECKOV_TIMEOUT_SECONDS,
            check=False,
        )
    assert result.returncode in (0, 1), f"checkov did not run ({result.returncode}): {result.stderr[-2000:]}"
    report = json.loads(result.stdout)
    resources: dict[str, set[str]] = {stack: set() for stack in EKS_STACKS}
    failed: dict[str, set[tuple[str, str]]] = {stack: set() for stack in EKS_STACKS}
    for part in report if isinstance(report, list) else [report]:
        assert part["summary"]["parsing_errors"] == 0, part["results"].get("parsing_errors")
        for outcome in ("passed_checks", "failed_checks"):
            for check in part["results"][outcome]:
                stack = Path(check["file_path"]).parts[1]
                resource = as_listed(check["resource"])
                resources[stack].add(resource)
                if outcome == "failed_checks":
                    failed[stack].add((check["check_id"], resource))
    return {stack: Scan(frozenset(resources[stack]), frozenset(failed[stack])) for stack in EKS_STACKS}


@functools.cache
def exceptions() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(EXCEPTIONS_FILE.read_text())


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_checkov_fails_only_the_listed_exceptions(stack: str):
    unexplained = sorted(
        f"{check} {resource}"
        for check, resource in scans()[stack].failures
        if resource not in exceptions().get(check, {}).get("resources", [])
    )
    assert unexplained == [], f"{stack}: fix these, or add each with its reason to {EXCEPTIONS_FILE.name}"


def test_every_exception_still_fails_somewhere():
    failing = set().union(*(scan.failures for scan in scans().values()))
    stale = sorted(
        f"{check} {resource}"
        for check, entry in exceptions().items()
        for resource in entry["resources"]
        if (check, resource) not in failing
    )
    assert stale == [], f"no stack fails these any more: remove them from {EXCEPTIONS_FILE.name}"


def test_every_exception_says_why():
    vague = [check for check, entry in exceptions().items() if len(entry.get("reason", "").split()) < 12]
    assert vague == []


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_checkov_checks_every_object_in_its_namespace(stack: str):
    """Guards the tests above: checkov saw every object (the created NetworkPolicies too), each in the release's
    namespace."""
    objects = installed_objects(stack)
    expected = {as_listed(f"{o['kind']}.{o['metadata']['namespace']}.{o['metadata']['name']}") for o in objects}
    assert {o["metadata"]["namespace"] for o in objects} == {render_stack(stack).namespace}
    # checkov has checks for these kinds (none for NetworkPolicy, PodDisruptionBudget or ScaledObject; the
    # CKV2 graph checks read the NetworkPolicies all the same).
    checked_kinds = {"Deployment", "Job", "ServiceAccount", "Service", "ConfigMap", "Ingress"}
    assert {name for name in expected if name.split(".", 1)[0] in checked_kinds} <= scans()[stack].resources
    assert any(o["kind"] == "NetworkPolicy" and o["metadata"]["labels"].get("heritage") != "Helm" for o in objects)
