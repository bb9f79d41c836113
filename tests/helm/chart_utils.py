"""The one render helper and schema helpers for the chart tests (like the chart's helm-tests utils).

- `render(**overrides)`: our values for a stack whose infra facts are DEFAULT_INPUTS (pure, no helm);
- `render_stack(stack)`: what `helm template` makes of the values the example stack's helm.v3.Release receives,
  with the stack's namespace and Kubernetes version, once per session, objects looked up by (kind, name).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import jmespath
import jsonschema
import yaml

from airflow_settings import load_settings
from airflow_settings.versions import pin
from infra.chart_images import ecr_registry
from infra.components import SERVICE_ACCOUNTS
from infra.config import StackConfig
from infra.config_sections import DagsConfig, IngressConfig
from infra.helm_values import ChartInputs, chart_values
from infra.job_names import base_name
from infra.mappings import deep_merge
from infra.network_policies import ReleaseNetwork
from infra.stack import stack_config_from
from tests.infra.example_stacks import airflow_release, committed, example_stack

SCHEMA_ENV = "AIRFLOW_CHART_SCHEMA_DIR"
TARBALL_ENV = "AIRFLOW_CHART_TARBALL"
HELM_ENV = "HELM"
HELM_TIMEOUT_SECONDS = 120

DEFAULT_NETWORK = ReleaseNetwork(
    namespace="airflow",
    vpc_cidr="10.40.0.0/16",
    private_subnet_cidrs=("10.40.0.0/19", "10.40.32.0/19"),
    load_balancer_subnet_ids=("subnet-public-0", "subnet-public-1"),
    load_balancer_cidrs=("10.40.224.0/22", "10.40.228.0/22"),
    s3_cidrs=("52.218.0.0/17", "3.5.64.0/21"),
    service_cidr="172.20.0.0/16",
    database_port=5432,
    broker_port=6379,
)

DEFAULT_INPUTS = ChartInputs(
    airflow_version="3.3.1",
    image_repository="111122223333.dkr.ecr.eu-west-1.amazonaws.com/airflow-dev/airflow",
    image_tag="3.3.1-1",
    logs_bucket="airflow-dev-logs-abc123",
    region="eu-west-1",
    role_arns={
        component: f"arn:aws:iam::111122223333:role/{account}" for component, account in SERVICE_ACCOUNTS.items()
    },
    settings=load_settings().for_target("eks"),
    dags=DagsConfig(source="git-sync", repo="https://github.com/example-org/airflow-dags.git"),
    ingress=IngressConfig(enabled=False, internal=True),
    registry=ecr_registry("111122223333", "eu-west-1"),
    network=DEFAULT_NETWORK,
)


def render(**overrides: Any) -> dict[str, Any]:
    """Our values for the chart, for DEFAULT_INPUTS with `overrides` replaced."""
    return chart_values(replace(DEFAULT_INPUTS, **overrides))


def chart_dir() -> Path:
    """The chart copy named by AIRFLOW_CHART_SCHEMA_DIR; a clear failure (never a skip) when unset."""
    value = os.environ.get(SCHEMA_ENV)
    if not value:
        raise AssertionError(
            f"{SCHEMA_ENV} is not set. It must name a folder holding the official chart's "
            "values.yaml and values.schema.json. `make test` and `make test-infra` fetch it (checksum-verified) "
            f"into {pin('airflow-chart').cache_dir}; or export {SCHEMA_ENV} to a local copy."
        )
    directory = Path(value)
    missing = [name for name in ("values.yaml", "values.schema.json") if not (directory / name).is_file()]
    if missing:
        raise AssertionError(f"{SCHEMA_ENV}={directory} lacks {missing}; run `make chart-schema`.")
    return directory


@cache
def chart_defaults() -> dict[str, Any]:
    return yaml.safe_load((chart_dir() / "values.yaml").read_text())


@cache
def tightened_schema() -> dict[str, Any]:
    """The chart's schema with additionalProperties: false wherever it lists properties and is silent on
    extras, so a misspelled key fails here instead of being ignored by Helm."""
    schema = json.loads((chart_dir() / "values.schema.json").read_text())
    return _tighten(copy.deepcopy(schema))


def _tighten(node: Any) -> Any:
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node and "patternProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _tighten(value)
    elif isinstance(node, list):
        for value in node:
            _tighten(value)
    return node


def schema_errors(values: dict[str, Any]) -> list[str]:
    """Every violation of the tightened schema by chart defaults + `values`, as 'path: message'."""
    merged = deep_merge(chart_defaults(), values)
    validator = jsonschema.Draft7Validator(tightened_schema())
    return [
        f"{'.'.join(str(part) for part in error.absolute_path)}: {error.message[:300]}"
        for error in validator.iter_errors(merged)
    ]


def merged_values(**overrides: Any) -> dict[str, Any]:
    """What the chart templates see: its own defaults under our values."""
    return deep_merge(chart_defaults(), render(**overrides))


def effective_security_contexts(values: dict[str, Any], path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(pod, container) security context an Airflow-image component at `path` gets, following the chart's
    airflowPodSecurityContext / containerSecurityContext helpers: its own, else the global one."""
    node = jmespath.search(path, values)
    pod = node["securityContexts"].get("pod") or node.get("securityContext") or values["securityContexts"]["pod"]
    container = node["securityContexts"].get("container") or values["securityContexts"]["containers"]
    return pod, container


class HelmFailedError(AssertionError):
    """helm exited non-zero; the message carries its command line and stderr."""


def helm_binary() -> str:
    """$HELM (make exports the one `make helm` built or the user named), else the pinned build in the cache."""
    helm = os.environ.get(HELM_ENV) or str(pin("helm").cache_dir / "bin" / "helm")
    if not shutil.which(helm):
        raise AssertionError(f"no helm at {helm}: `make helm` builds Helm {pin('helm').version}, or set {HELM_ENV}")
    return helm


def chart_tarball() -> Path:
    """The official chart tarball $AIRFLOW_CHART_TARBALL names (make exports it), else make's cached download."""
    chart = pin("airflow-chart")
    path = Path(os.environ.get(TARBALL_ENV) or chart.cache_dir / f"airflow-{chart.version}.tgz")
    if not path.is_file():
        raise AssertionError(f"{TARBALL_ENV}={path} does not exist: `make chart-schema` fetches it (checksum-verified)")
    return path


def helm(*args: str) -> str:
    """helm's stdout; a HelmFailedError with its stderr when it fails."""
    command = [helm_binary(), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=HELM_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        raise HelmFailedError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


@dataclass(frozen=True)
class Rendered:
    """One example stack's release as `helm template` renders it."""

    stack: str
    namespace: str
    kube_version: str
    """The stack's eks.version, e.g. 1.33."""
    values: dict[str, Any]
    documents: list[dict[str, Any]]
    objects: dict[tuple[str, str], dict[str, Any]] = field(init=False)
    """(kind, name) -> object, like helm-tests' prepare_k8s_lookup_dict."""

    def __post_init__(self) -> None:
        objects: dict[tuple[str, str], dict[str, Any]] = {}
        for document in self.documents:
            key = (document["kind"], document["metadata"]["name"])
            assert key not in objects, f"{self.stack}: the release renders {key} twice"
            objects[key] = document
        object.__setattr__(self, "objects", objects)

    def get(self, kind: str, name: str) -> dict[str, Any]:
        assert (kind, name) in self.objects, f"{self.stack}: no {kind} {name}; rendered: {sorted(self.objects)}"
        return self.objects[(kind, name)]

    def job(self, chart_name: str) -> dict[str, Any]:
        """The Job the chart names `chart_name`, under the name the post-renderer gives it (infra/job_names.py)."""
        found = [document for document in self.of_kind("Job") if base_name(document["metadata"]["name"]) == chart_name]
        assert len(found) == 1, f"{self.stack}: no single Job {chart_name}; rendered: {sorted(self.objects)}"
        return found[0]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [document for (found, _), document in self.objects.items() if found == kind]

    def pod_templates(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """("Kind/name", pod template) of every workload, a CronJob's Jobs' included."""
        for document in self.documents:
            path = "spec.jobTemplate.spec.template" if document["kind"] == "CronJob" else "spec.template"
            template = jmespath.search(path, document)
            if document["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob") and template:
                yield f"{document['kind']}/{document['metadata']['name']}", template

    def containers(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """("Kind/name/container", container) of every container and init container."""
        for where, template in self.pod_templates():
            for container in template["spec"].get("initContainers", []) + template["spec"]["containers"]:
                yield f"{where}/{container['name']}", container


def stack_config_of(stack: str) -> StackConfig:
    """The typed config of an example stack, as the program reads it."""
    return stack_config_from(example_stack(stack).config, stack=committed(stack), settings=load_settings())


def helm_template(
    values: dict[str, Any],
    *,
    namespace: str,
    kube_version: str,
    chart: Path | None = None,
    show_only: str | None = None,
    post_renderer: str | None = None,
) -> str:
    """`helm template` of the chart (default: the official tarball) for `values`, as the Release would install it:
    through its `post_renderer` when it has one."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="values-") as values_file:
        json.dump(values, values_file)
        values_file.flush()
        selection = ("--show-only", show_only) if show_only else ()
        post_rendering = ("--post-renderer", post_renderer) if post_renderer else ()
        return helm(
            "template",
            "airflow",
            str(chart or chart_tarball()),
            *("--namespace", namespace, "--kube-version", kube_version, "--values", values_file.name),
            *selection,
            *post_rendering,
        )


@functools.cache
def render_stack(stack: str) -> Rendered:
    """The example stack's release, rendered once per session from its recorded helm.v3.Release inputs."""
    release = airflow_release(example_stack(stack)).inputs
    kube_version = stack_config_of(stack).eks.version
    manifests = helm_template(
        release["values"],
        namespace=release["namespace"],
        kube_version=kube_version,
        post_renderer=release.get("postrender"),
    )
    documents = [document for document in yaml.safe_load_all(manifests) if document]
    return Rendered(stack, release["namespace"], kube_version, release["values"], documents)


NOTES_PROBE = "zz-notes-probe.yaml"


@functools.cache
def render_notes(stack: str) -> str:
    """The chart's NOTES.txt for the example stack's release. `helm template` never prints NOTES and Helm 3's
    `install --dry-run=client` still asks a cluster for its version, so a copy of the chart renders NOTES.txt
    through `tpl` into a ConfigMap."""
    rendered = render_stack(stack)
    with tempfile.TemporaryDirectory(prefix="chart-notes-") as directory:
        with tarfile.open(chart_tarball()) as tarball:
            tarball.extractall(directory)  # the pinned, checksum-verified tarball
        chart = Path(directory) / "airflow"
        (chart / "files" / "notes.txt").write_text((chart / "templates" / "NOTES.txt").read_text())
        probe = (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n"
            'data:\n  notes: {{ tpl (.Files.Get "files/notes.txt") . | toJson }}\n'
        )
        (chart / "templates" / NOTES_PROBE).write_text(probe)
        manifest = helm_template(
            rendered.values,
            namespace=rendered.namespace,
            kube_version=rendered.kube_version,
            chart=chart,
            show_only=f"templates/{NOTES_PROBE}",
        )
    return yaml.safe_load(manifest)["data"]["notes"]
