"""The Airflow Helm release on EKS and its namespace."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs

from ._base import ADVISORY, MANDATORY, AwsResourcePolicy, as_list, label, prop, truthy
from .pod_security import violations

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"

# Values that would put a secret in plain text into the Release inputs (and Pulumi state): each has a
# `…SecretName` counterpart that points at a Kubernetes Secret instead.
LITERAL_SECRET_VALUES = (
    ("fernetKey",),
    ("apiSecretKey",),
    ("jwtSecret",),
    ("webserverSecretKey",),
    ("data", "brokerUrl"),
    ("redis", "password"),
    ("flower", "password"),
)
REQUIRED_SECRET_REFERENCES = (("fernetKeySecretName",), ("data", "metadataSecretName"))
# `--password x` where x is neither an environment variable nor a template.
LITERAL_PASSWORD_ARGUMENT = re.compile(r"--password[ =]+(?![\"']?[$])")


def is_airflow_release(args: ResourceValidationArgs) -> bool:
    return str(args.props.get("chart") or "").rsplit("/", 1)[-1] == "airflow"


def _values(args: ResourceValidationArgs) -> Mapping[str, Any]:
    return args.props.get("values") or {}


def _restricted_pods(args: ResourceValidationArgs) -> Iterator[str]:
    if is_airflow_release(args):
        for problem in violations(_values(args)):
            yield (
                f"{label(args)} renders {problem}: set it in the component's securityContexts (Pod "
                f"Security 'restricted')."
            )


def _network_policies(args: ResourceValidationArgs) -> Iterator[str]:
    if is_airflow_release(args) and not truthy(prop(_values(args), "networkPolicies", "enabled")):
        yield f"{label(args)} lets every pod reach every Airflow component: set networkPolicies.enabled=true."


def _secrets_by_reference(args: ResourceValidationArgs) -> Iterator[str]:
    if not is_airflow_release(args):
        return
    values = _values(args)
    for path in LITERAL_SECRET_VALUES:
        if prop(values, *path):
            yield (
                f"{label(args)} carries a secret in values.{'.'.join(path)}: put it in a Kubernetes Secret and "
                "set the matching …SecretName value."
            )
    for path in REQUIRED_SECRET_REFERENCES:
        if not prop(values, *path):
            yield (
                f"{label(args)} does not set values.{'.'.join(path)}: without it the chart generates or "
                "defaults the secret itself (the metadata connection defaults to postgres/postgres)."
            )
    job = prop(values, "createUserJob", default={})
    if job.get("enabled", True) is not False:
        command = " ".join(str(part) for part in as_list(job.get("command")) + as_list(job.get("args")))
        if not command:
            yield (
                f"{label(args)} runs the chart's create-user job, which passes createUserJob.defaultUser.password "
                "(default admin) from the values: give the job args that read the password from a Secret "
                "(env valueFrom secretKeyRef), or set createUserJob.enabled=false."
            )
        elif LITERAL_PASSWORD_ARGUMENT.search(command):
            yield f"{label(args)} passes a literal --password to the create-user job: read it from a Secret."


def _namespace_pod_security(args: ResourceValidationArgs) -> Iterator[str]:
    labels = prop(args.props, "metadata", "labels", default={})
    if labels.get("pod-security.kubernetes.io/enforce") != "restricted":
        yield (f"{label(args)} does not enforce Pod Security: label it pod-security.kubernetes.io/enforce=restricted.")


POLICIES = [
    AwsResourcePolicy(
        "airflow-helm-restricted-pods",
        "Every container of the Airflow chart passes Pod Security 'restricted' (non-root, no privilege escalation, "
        "drop ALL, seccomp RuntimeDefault).",
        [HELM_RELEASE],
        _restricted_pods,
        MANDATORY,
        "Set securityContexts for every component in the Helm values.",
    ),
    AwsResourcePolicy(
        "airflow-helm-network-policies",
        "The Airflow chart creates its NetworkPolicies.",
        [HELM_RELEASE],
        _network_policies,
        MANDATORY,
        "Set networkPolicies.enabled=true.",
    ),
    AwsResourcePolicy(
        "airflow-helm-secrets-by-reference",
        "The Airflow chart reads every secret from a Kubernetes Secret, never from a literal value.",
        [HELM_RELEASE],
        _secrets_by_reference,
        MANDATORY,
        "Use fernetKeySecretName, data.metadataSecretName, …SecretName values; read the admin password from a Secret.",
    ),
    AwsResourcePolicy(
        "k8s-namespace-pod-security",
        "Namespaces enforce the Pod Security 'restricted' level.",
        [NAMESPACE],
        _namespace_pod_security,
        ADVISORY,
        "Label the namespace pod-security.kubernetes.io/enforce=restricted.",
    ),
]
