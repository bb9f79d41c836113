"""The Airflow release's namespace, the Kubernetes Secrets its chart reads and the NetworkPolicies beside the
chart's own."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.helm_values import SECRET_NAMES
from infra.pgbouncer import (
    metadata_connection,
    pgbouncer_ini,
    pgbouncer_stats_connection,
    pgbouncer_users,
    result_backend_connection,
)

IMAGE_ANNOTATION = "airflow-aws/image"
"""The namespace records the image its release runs: repository@digest (or :tag when unpinned)."""


@dataclass(frozen=True)
class AirflowNamespaceArgs:
    provider: k8s.Provider
    """The cluster's Kubernetes provider (ClusterAccess)."""
    namespace: str
    """Namespace of the release and its Secrets (the stack's chart.namespace)."""
    image: pulumi.Input[str]
    """The image the release runs, as found in the registry; nothing in the namespace exists before it is."""
    values: pulumi.Input[Mapping[str, Any]]
    """The chart's final values, whose pgbouncer pool limits the pgbouncer config applies."""
    metadata_credentials: pulumi.Input[str]
    """The platform's metadata-db secret (secret): JSON with host, port, dbname, username and password."""
    broker_url: pulumi.Input[str]
    """The platform's broker secret (secret): JSON with the Celery broker URL."""
    airflow_secrets: Mapping[str, pulumi.Input[str]]
    """fernet-key, jwt-secret, api-secret-key and admin-password values (secret)."""
    network_policies: Sequence[Mapping[str, Any]]
    """The namespace's NetworkPolicies beside the chart's own, as manifests (network_policies.network_policies):
    default-deny and the allowed egress. https://kubernetes.io/docs/concepts/services-networking/network-policies/"""


RELEASE_SECRET_ROLES = (
    "metadata",
    "result-backend",
    "broker",
    "fernet-key",
    "jwt-secret",
    "api-secret-key",
    "admin-password",
    "pgbouncer-config",
    "pgbouncer-stats",
)
"""The Secrets the chart reads, by role (SECRET_NAMES names them)."""


def release_secret_data(
    database: Mapping[str, Any],
    broker_url: str,
    airflow_secrets: Mapping[str, str],
    values: Mapping[str, Any],
    namespace: str,
) -> dict[str, dict[str, str]]:
    """Each Secret's data by role, from the metadata-db secret (host, port, dbname, username, password), the
    broker URL, the generated fernet-key, jwt-secret, api-secret-key and admin-password, and the chart's final
    `values`; also what the release test gives its pods (tests/release)."""
    user, password = database["username"], database["password"]
    return {
        "metadata": {"connection": metadata_connection(user, password, namespace)},
        "result-backend": {"connection": result_backend_connection(user, password, namespace)},
        "broker": {"connection": broker_url},
        "fernet-key": {"fernet-key": airflow_secrets["fernet-key"]},
        "jwt-secret": {"jwt-secret": airflow_secrets["jwt-secret"]},
        "api-secret-key": {"api-secret-key": airflow_secrets["api-secret-key"]},
        "admin-password": {"password": airflow_secrets["admin-password"]},
        "pgbouncer-config": {
            "pgbouncer.ini": pgbouncer_ini(database["host"], int(database["port"]), database["dbname"], user, values),
            "users.txt": pgbouncer_users(user, password),
        },
        "pgbouncer-stats": {"connection": pgbouncer_stats_connection(user, password)},
    }


class AirflowNamespace(pulumi.ComponentResource):
    """The kubernetes.core.v1.Namespace of the release (Pod Security "restricted" enforced, annotated with the
    image), the kubernetes.core.v1.Secret objects the chart reads (metadata connection, result backend, broker
    URL, Fernet key, JWT secret, API secret key, admin password, pgbouncer config and stats) and one
    kubernetes.networking.v1.NetworkPolicy per entry of args.network_policies."""

    name: pulumi.Output[str]

    def __init__(self, name: str, args: AirflowNamespaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:airflow_namespace:AirflowNamespace", name, None, opts)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.namespace,
                labels={
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
                annotations={IMAGE_ANNOTATION: args.image},
            ),
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
        )
        # Children of the component, not of the namespace: waiting on a component waits for its children only,
        # and a resource's children are not its own (pulumi/runtime/rpc.py `_add_dependency`), so the release
        # waiting on this component would otherwise not wait for the Secrets and the NetworkPolicies. The
        # namespace name as an output orders each of them after the namespace.
        in_namespace = pulumi.ResourceOptions(parent=self, provider=args.provider)
        namespace_name = namespace.metadata.apply(lambda metadata: metadata.name)
        contents = pulumi.Output.secret(
            pulumi.Output.all(
                database=pulumi.Output.from_input(args.metadata_credentials).apply(json.loads),
                broker=pulumi.Output.from_input(args.broker_url).apply(json.loads),
                airflow_secrets=pulumi.Output.all(**args.airflow_secrets),
                values=args.values,
            ).apply(
                lambda parts: release_secret_data(
                    parts["database"], parts["broker"]["url"], parts["airflow_secrets"], parts["values"], args.namespace
                )
            )
        )
        for role in RELEASE_SECRET_ROLES:
            k8s.core.v1.Secret(
                f"{name}-{role}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=SECRET_NAMES[role], namespace=namespace_name),
                type="Opaque",
                string_data=contents.apply(lambda data, role=role: data[role]),
                # The Fernet key is rotated in place (scripts/rotate-fernet-key); Pulumi only seeds it.
                opts=pulumi.ResourceOptions.merge(
                    in_namespace,
                    pulumi.ResourceOptions(ignore_changes=["stringData"] if role == "fernet-key" else None),
                ),
            )
        # Before the release, so no Airflow pod ever runs without its default-deny.
        for policy in args.network_policies:
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{policy['metadata']['name']}",
                metadata={**policy["metadata"], "namespace": namespace_name},
                spec=policy["spec"],
                opts=in_namespace,
            )
        self.name = namespace_name
        self.register_outputs({"name": self.name})
