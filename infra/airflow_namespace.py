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
        database = pulumi.Output.secret(args.metadata_credentials).apply(json.loads)
        ns = args.namespace
        contents: dict[str, dict[str, pulumi.Input[str]]] = {
            "metadata": {
                "connection": database.apply(lambda db: metadata_connection(db["username"], db["password"], ns))
            },
            "result-backend": {
                "connection": database.apply(lambda db: result_backend_connection(db["username"], db["password"], ns))
            },
            "broker": {"connection": pulumi.Output.secret(args.broker_url).apply(lambda text: json.loads(text)["url"])},
            "fernet-key": {"fernet-key": args.airflow_secrets["fernet-key"]},
            "jwt-secret": {"jwt-secret": args.airflow_secrets["jwt-secret"]},
            "api-secret-key": {"api-secret-key": args.airflow_secrets["api-secret-key"]},
            "admin-password": {"password": args.airflow_secrets["admin-password"]},
            "pgbouncer-config": {
                "pgbouncer.ini": pulumi.Output.all(database, args.values).apply(
                    lambda parts: pgbouncer_ini(
                        parts[0]["host"], int(parts[0]["port"]), parts[0]["dbname"], parts[0]["username"], parts[1]
                    )
                ),
                "users.txt": database.apply(lambda db: pgbouncer_users(db["username"], db["password"])),
            },
            "pgbouncer-stats": {
                "connection": database.apply(lambda db: pgbouncer_stats_connection(db["username"], db["password"]))
            },
        }
        for role, data in contents.items():
            k8s.core.v1.Secret(
                f"{name}-{role}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=SECRET_NAMES[role], namespace=namespace_name),
                type="Opaque",
                string_data={key: pulumi.Output.secret(value) for key, value in data.items()},
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
