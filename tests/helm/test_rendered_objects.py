"""Every object the release renders: strict schemas, IRSA on exactly the AWS callers, no secret material, NOTES,
the ingress and the pod RBAC both ways."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import jmespath
import jsonschema
import kubernetes_validate
import pytest
import yaml

from airflow_settings.versions import pin
from infra.components import SERVICE_ACCOUNTS
from infra.helm_values import chart_values
from tests.helm.chart_utils import DEFAULT_INPUTS, Rendered, _tighten, helm_template, render_notes, render_stack
from tests.infra.example_stacks import EKS_STACKS, example_stack

SCHEMAS = Path(__file__).resolve().parent / "schemas"
KEDA_CRD = SCHEMAS / f"keda-{pin('keda-chart').version}-scaledobjects-crd.json"
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


@pytest.fixture(params=EKS_STACKS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return render_stack(request.param)


def strict_schema_errors(rendered: Rendered) -> list[str]:
    """Every object but the ScaledObjects against the strict OpenAPI schema of the stack's Kubernetes version."""
    errors = []
    for document in rendered.documents:
        if document["kind"] == "ScaledObject":
            continue
        try:
            kubernetes_validate.validate(document, f"{rendered.kube_version}.0", strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as err:
            errors.append(f"{document['kind']}/{document['metadata']['name']}: {err}")
    return errors


def scaled_object_validator() -> jsonschema.Draft7Validator:
    """KEDA's vendored ScaledObject CRD schema, tightened."""
    (version,) = json.loads(KEDA_CRD.read_text())["spec"]["versions"]
    return jsonschema.Draft7Validator(_tighten(version["schema"]["openAPIV3Schema"]))


class TestSchemas:
    """Strict Kubernetes OpenAPI schemas of the stack's version; KEDA's CRD schema for the ScaledObject."""

    def test_should_validate_every_object_strictly(self, rendered: Rendered):
        assert strict_schema_errors(rendered) == []

    def test_should_validate_the_scaled_object_against_the_vendored_crd(self, rendered: Rendered):
        validator = scaled_object_validator()
        (scaled,) = rendered.of_kind("ScaledObject")
        assert [e.message for e in validator.iter_errors(scaled)] == []
        assert list(validator.iter_errors({**scaled, "spec": {**scaled["spec"], "minReplicaCnt": 1}}))

    def test_should_keep_the_vendored_crd_as_recorded(self):
        digest = hashlib.sha256(KEDA_CRD.read_bytes()).hexdigest()
        assert digest in (SCHEMAS / "README.md").read_text(), f"{KEDA_CRD.name} changed: sha256 {digest}"


class TestServiceAccounts:
    """IRSA annotations on exactly the service accounts of the components that call AWS."""

    def test_should_annotate_exactly_the_aws_callers(self, rendered: Rendered):
        annotated = {
            sa["metadata"]["name"]
            for sa in rendered.of_kind("ServiceAccount")
            if "eks.amazonaws.com/role-arn" in (sa["metadata"].get("annotations") or {})
        }
        assert annotated == set(SERVICE_ACCOUNTS.values())

    def test_should_mount_no_api_token(self, rendered: Rendered):
        mounting = [
            sa["metadata"]["name"]
            for sa in rendered.of_kind("ServiceAccount")
            if sa.get("automountServiceAccountToken") is not False
        ]
        assert mounting == []


class TestNoSecretMaterial:
    """Secrets live only in the Secrets the stack creates: never in ConfigMaps, env values or args."""

    def test_should_carry_no_stack_secret(self, rendered: Rendered):
        built = example_stack(rendered.stack)
        secrets = {
            str(jmespath.search(path, r.inputs))
            for r in built.resources
            for path in r.secret_paths
            if isinstance(jmespath.search(path, r.inputs), str)
        }
        secrets = {s for s in secrets if len(s) >= 8}
        assert secrets, "the stack records no secret: nothing to look for"
        texts = [yaml.safe_dump(cm.get("data", {})) for cm in rendered.of_kind("ConfigMap")]
        for _, container in rendered.containers():
            texts += [str(e.get("value", "")) for e in container.get("env", [])]
            texts += [str(a) for a in container.get("args", []) + container.get("command", [])]
        leaked = [s[:4] + "…" for s in secrets if any(s in text for text in texts)]
        assert leaked == []
        assert [t for t in texts if CREDENTIALS_IN_URL.search(t)] == []


class TestNotes:
    """The chart's post-install notes for our values."""

    @pytest.mark.parametrize("stack", EKS_STACKS)
    def test_should_print_no_deprecation_warning(self, stack: str):
        notes = render_notes(stack)
        assert "DEPRECATION" not in notes.upper() and "deprecated" not in notes.lower()

    @pytest.mark.parametrize("stack", EKS_STACKS)
    def test_should_say_where_the_admin_password_is(self, stack: str):
        notes = render_notes(stack)
        assert "password: admin\n" not in notes
        assert "get secret airflow-admin-password" in notes


class TestIngress:
    """The api-server Ingress the AWS Load Balancer Controller turns into an ALB."""

    def test_should_route_every_path_to_the_api_server(self):
        ingress = render_stack("prod").get("Ingress", "airflow-ingress")
        assert jmespath.search("spec.ingressClassName", ingress) == "alb"
        assert jmespath.search("spec.rules[0].http.paths[0].[path, pathType]", ingress) == ["/", "Prefix"]

    def test_should_place_the_alb_where_the_api_server_admits_it_from(self):
        """In the public subnets, where no node and so no pod lives: admitting them by CIDR admits the ALB alone."""
        rendered = render_stack("prod")
        annotations = rendered.get("Ingress", "airflow-ingress")["metadata"]["annotations"]
        subnets = sorted(example_stack("prod").of_type("aws:ec2/subnet:Subnet"), key=lambda subnet: subnet.name)
        public = [s for s in subnets if "-public-" in s.name]
        assert annotations["alb.ingress.kubernetes.io/subnets"].split(",") == [f"{s.name}-id" for s in public]
        peers = jmespath.search(
            "spec.ingress[0].from[].ipBlock.cidr", rendered.get("NetworkPolicy", "airflow-api-server-policy")
        )
        assert peers == [s.inputs["cidrBlock"] for s in public]
        nodes = {
            subnet
            for group in example_stack("prod").of_type("eks:index:ManagedNodeGroup")
            for subnet in group.inputs["subnetIds"]
        }
        assert nodes and not nodes & {f"{s.name}-id" for s in public}
        assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == "/api/v2/monitor/health"


class TestPodRbac:
    """Pod rights only with chart.podLaunching, and then only for the workers and the triggerer."""

    def test_should_grant_no_pod_rights_by_default(self, rendered: Rendered):
        # The chart gives the cleanup CronJob a Role of its own, with no rules, bound to its service account.
        (role,) = rendered.of_kind("Role")
        assert (role["metadata"]["name"], role["rules"]) == ("airflow-database-cleanup-role", [])
        (binding,) = rendered.of_kind("RoleBinding")
        assert binding["roleRef"]["name"] == "airflow-database-cleanup-role"
        assert [s["name"] for s in binding["subjects"]] == ["airflow-database-cleanup"]

    def test_should_grant_workers_and_triggerer_pod_rights_when_asked(self):
        values = chart_values(replace(DEFAULT_INPUTS, pod_launching=True))
        documents = [
            d for d in yaml.safe_load_all(helm_template(values, namespace="airflow", kube_version="1.33")) if d
        ]
        (role,) = [d for d in documents if d["kind"] == "Role" and d["rules"]]
        assert {"create", "delete"} <= set(jmespath.search("rules[?resources[0]=='pods'].verbs[]", role))
        (binding,) = [
            d for d in documents if d["kind"] == "RoleBinding" and d["roleRef"]["name"] == role["metadata"]["name"]
        ]
        assert {s["name"] for s in binding["subjects"]} == {SERVICE_ACCOUNTS["workers"], SERVICE_ACCOUNTS["triggerer"]}
        mounting = {
            d["metadata"]["name"]
            for d in documents
            if d["kind"] == "ServiceAccount" and d.get("automountServiceAccountToken") is not False
        }
        assert mounting == {SERVICE_ACCOUNTS["workers"], SERVICE_ACCOUNTS["triggerer"]}
