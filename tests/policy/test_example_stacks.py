"""The committed example stacks (dev, prod, mwaa) under the mock runtime, checked by the whole pack.

The stacks are built once per session (tests/infra/example_stacks.py) and analysed as the engine would
(stack_analysis.py). This is where the security rules are checked on the stacks; tests/infra checks their
structure and wiring.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel

from policy.airflow_aws_policies import covered_types
from policy.airflow_aws_policies.pod_security import rendered_containers, violations
from tests.infra.example_stacks import EKS_STACKS, STACKS, airflow_release
from tests.infra.harness import Built
from tests.policy.stack_analysis import analyze, mandatory_violations, outputs_of

pytestmark = pytest.mark.infra

# Types no rule inspects, each with the reason a reviewer accepted. A type the programs start to create
# must get a rule or an entry here, or test_every_created_type_is_covered fails.
NOT_INSPECTED = {
    "aws:kms/alias:Alias": "a name for the key; the key itself is checked (rotation, deletion window)",
    "aws:ec2/eip:Eip": "the NAT gateway's address; vpc-private-subnets-via-nat checks what routes reach it",
    # pragma: allowlist nextline secret
    "random:index/randomPassword:RandomPassword": "the generator of secrets, not a cloud resource",
    "random:index/randomBytes:RandomBytes": "the generator of the Fernet key, not a cloud resource",
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": "AWS defines the role and its permissions; the stack only "
    "creates EC2 Auto Scaling's when the account lacks it (the key policy must name an existing principal)",
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": "names an upstream registry, a prefix and (Docker Hub) "
    "the ARN of the operator's credentials, never their value; what the nodes pull through it is pinned in "
    "chart_images.py and checked as rendered (tests/helm/test_rendered_pods.py TestImages)",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "immutable tags and encryption of the cached "
    "repositories, asserted in tests/infra/test_image_mirror.py; AES256 rather than the platform key ecr-cmk "
    "wants: public images, and ECR needs a custom role to create repositories under a customer key",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": "a policy is right or wrong only with the others of its "
    "namespace and the chart's: the flow matrix judges them together (tests/helm/test_network_policies.py: every "
    "needed flow allowed, unneeded ones denied, every rule needed)",
}
# Our own ComponentResources and the providers create nothing in the cloud themselves.
NOT_CLOUD_RESOURCES = ("airflow-aws:", "pulumi:providers:")


# Advisory rules the example stacks break, each with the reason a reviewer accepted; any other advisory
# finding fails test_example_stack_breaks_only_accepted_advisories.
ACCEPTED_ADVISORIES = {
    "vpc-flow-logs": "flow logs cost CloudWatch ingestion on every packet; left to the operator to turn on",
    "s3-noncurrent-versions-expire": "MWAA's source bucket: older artifact versions are what a rollback of "
    "requirements, plugins or the startup script points the environment back at",
}


@pytest.fixture(scope="module")
def stacks(dev_stack: Built, prod_stack: Built, mwaa_stack: Built) -> dict[str, Built]:
    return {"dev": dev_stack, "prod": prod_stack, "mwaa": mwaa_stack}


@pytest.mark.parametrize("stack", STACKS)
def test_example_stack_has_no_mandatory_violation(stacks, stack):
    assert mandatory_violations(stacks[stack]) == []


@pytest.mark.parametrize("stack", STACKS)
def test_example_stack_breaks_only_accepted_advisories(stacks, stack):
    advisory = [
        f"{v.policy}: {v.message}"
        for v in analyze(stacks[stack])
        if v.level == EnforcementLevel.ADVISORY.value and v.policy not in ACCEPTED_ADVISORIES
    ]
    assert advisory == [], "fix the stack, or record the reviewed reason in ACCEPTED_ADVISORIES"


def test_a_weakened_stack_is_caught(stacks):
    """Guards the test above end to end: the same analysis catches a public DB and an unversioned bucket."""
    built = stacks["prod"]
    weakened = {
        "aws:rds/instance:Instance": {"publiclyAccessible": True},
        "aws:s3/bucketVersioning:BucketVersioning": {"versioningConfiguration": {"status": "Suspended"}},
    }
    changed = Built(
        config=built.config,
        resources=[replace(r, inputs={**r.inputs, **weakened.get(r.type, {})}) for r in built.resources],
    )
    caught = {v.policy for v in analyze(changed) if v.level == EnforcementLevel.MANDATORY.value}
    assert caught == {"rds-not-public", "s3-versioning"}


@pytest.mark.parametrize("stack", STACKS)
def test_example_stack_is_seen_by_the_pack(stacks, stack):
    """Guards the test above: the pack must actually inspect most of what the stack creates."""
    built = stacks[stack]
    inspected = [r for r in built.resources if r.type in covered_types()]
    assert len(inspected) >= 0.6 * len([r for r in built.resources if not r.type.startswith(NOT_CLOUD_RESOURCES)])


def test_every_created_type_is_covered(stacks):
    created = {r.type for built in stacks.values() for r in built.resources}
    uncovered = sorted(
        t for t in created - covered_types() - set(NOT_INSPECTED) if not t.startswith(NOT_CLOUD_RESOURCES)
    )
    assert uncovered == [], "add a rule to policy/airflow_aws_policies (or a reviewed reason to NOT_INSPECTED)"


def test_not_inspected_list_has_no_stale_entries(stacks):
    created = {r.type for built in stacks.values() for r in built.resources}
    assert set(NOT_INSPECTED) <= created, "drop entries for types the programs no longer create"


def _generated_values(built: Built) -> set[str]:
    values = set()
    for resource in built.resources:
        if resource.type.startswith("random:"):
            outputs = outputs_of(resource)
            values |= {str(outputs[key]) for key in ("result", "base64", "hex") if outputs.get(key)}
    return values


def _leaks(value, generated: set[str]) -> bool:
    text = json.dumps(value) if not isinstance(value, str) else value
    return any(secret in text for secret in generated)


# The MWAA stack generates no secret (MWAA keeps its own Fernet key and metadata DB): EKS_STACKS only.


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_generated_values_flow_only_as_secrets(stacks, stack):
    """Every input that carries a generated password or key arrives as a Pulumi secret."""
    built = stacks[stack]
    generated = _generated_values(built)
    assert generated, "the stack generates no secret values: the check below would prove nothing"
    plain = [
        f"{r.type} {r.name}.{key}"
        for r in built.resources
        if not r.type.startswith("random:")
        for key, value in r.inputs.items()
        if _leaks(value, generated)
        and not any(p == key or p.startswith((f"{key}.", f"{key}[")) for p in r.secret_paths)
    ]
    assert plain == []


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_every_secret_bearing_output_is_secret(stacks, stack):
    built = stacks[stack]
    generated = _generated_values(built)
    assert generated and built.outputs
    exposed = [
        name for name, value in built.outputs.items() if _leaks(value, generated) and name not in built.secret_outputs
    ]
    assert exposed == []


def test_repo_stack_files_are_the_ones_checked():
    assert {p.name for p in Path(__file__).resolve().parents[2].glob("Pulumi.*.yaml")} == {
        f"Pulumi.{s}.yaml" for s in STACKS
    }


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_fernet_key_is_only_seeded_by_pulumi(stacks, stack):
    """A rotation (scripts/rotate-fernet-key) must survive the next `pulumi up`."""
    built = stacks[stack]
    fernet = [
        r
        for r in built.resources
        if "fernet-key" in r.name
        and r.type in ("aws:secretsmanager/secretVersion:SecretVersion", "kubernetes:core/v1:Secret")
    ]
    assert {r.type: list(r.ignore_changes) for r in fernet} == {
        "aws:secretsmanager/secretVersion:SecretVersion": ["secretString"],
        "kubernetes:core/v1:Secret": ["stringData"],
    }


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_merged_helm_values_run_every_component_restricted(stacks, stack):
    """The values the Release hands the chart: every component passes Pod Security `restricted`."""
    built = stacks[stack]
    values = airflow_release(built).inputs["values"]
    rendered = {c.where for c in rendered_containers(values)}
    expected = {
        "apiServer/api-server",
        "scheduler/scheduler",
        "dagProcessor/dag-processor",
        "triggerer/triggerer",
        "workers/worker",
        "migrateDatabaseJob/run-airflow-migrations",
        "createUserJob/create-user",
        "statsd/statsd",
        "pgbouncer/pgbouncer",
        "cleanup/airflow-cleanup-pods",
    }
    if values.get("dags", {}).get("gitSync", {}).get("enabled"):
        expected |= {"dagProcessor/git-sync", "workers/git-sync"}
    assert expected <= rendered
    assert violations(values) == []
    assert values["networkPolicies"]["enabled"] is True
