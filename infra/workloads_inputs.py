"""What the platform stack hands the workloads stage: its `workloads` output, written and read only here.

Pure (no pulumi import). The platform (eks_platform.py) builds a WorkloadsInputs from its resources and exports
`as_output(...)`; the workloads stage (workloads.py) reads it back through a StackReference with `from_output`.
Everything in it is plain and non-secret: ARNs, names, the chart inputs. Secret values stay in Secrets Manager,
where the workloads stage reads them by ARN, and the kubeconfig is the platform's own (secret) output.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from infra.config_sections import ChartConfig, DagsConfig, IngressConfig, ObservabilityConfig
from infra.helm_values import ChartInputs
from infra.network_policies import ReleaseNetwork
from infra.teams import TeamRelease

WORKLOADS_OUTPUT = "workloads"
"""The platform stack output holding `as_output(...)`: JSON text, because stack outputs carry every number as a
double (1200 would come back 1200.0, which the typed sections refuse and Airflow's config would print)."""
KUBECONFIG_OUTPUT = "kubeconfig"
"""The platform stack output holding the cluster's kubeconfig (secret)."""
AIRFLOW_SECRETS = ("fernet-key", "jwt-secret", "api-secret-key", "admin-password")
"""Airflow's own generated secrets (airflow_secrets.AirflowSecrets), each a plain value."""
PLATFORM_SECRETS = ("metadata-db", "broker", *AIRFLOW_SECRETS)
"""The Secrets Manager secrets the workloads stage reads, by the key of their ARN in `secret_arns`: the metadata
DB's credentials and the broker URL (JSON), then AIRFLOW_SECRETS."""


class PlatformOutputsError(ValueError):
    """The platform stack lacks what the workloads stage needs; the message names the stack and the fix."""


@dataclass(frozen=True)
class EcrImage:
    """Where the digest of the chart's image is looked up: a repository of this account's registry."""

    registry_id: str
    """Account ID of the registry."""
    repository_name: str
    """Repository name, e.g. airflow-dev/airflow."""


@dataclass(frozen=True)
class WorkloadsInputs:
    name_prefix: str
    """The platform's namePrefix: the workloads' resource names start with it."""
    cluster_name: str
    """The EKS cluster's name (add-ons such as the AWS Load Balancer Controller take it)."""
    vpc_id: str
    """The cluster's VPC."""
    node_groups: tuple[str, ...]
    """The managed node groups' names (their nodes' airflow-aws/node-group label); exported only once every
    group exists, so a platform whose node groups failed offers no workloads output."""
    chart: ChartConfig
    """The stack's chart section: version, namespace and timeout of the release."""
    chart_inputs: ChartInputs
    """Everything the chart values need but the image digest, which the workloads stage looks up."""
    ecr_image: EcrImage | None
    """The ECR repository the image is pushed to, or None when image.repository names a registry outside this
    account's ECR (the chart then runs the tag unpinned)."""
    secret_arns: Mapping[str, str]
    """PLATFORM_SECRETS key -> ARN of the Secrets Manager secret holding its value."""
    load_balancer_controller_role_arn: str | None
    """The AWS Load Balancer Controller's IRSA role when the stack has an ingress; None installs no controller."""
    observability: ObservabilityConfig
    """The stack's observability section: whether the Prometheus operator's objects are created, and where its
    Prometheus runs."""


def as_output(inputs: WorkloadsInputs) -> str:
    """The JSON text the platform exports as WORKLOADS_OUTPUT."""
    chart_inputs = {field.name: getattr(inputs.chart_inputs, field.name) for field in fields(ChartInputs)}
    del chart_inputs["image_digest"]
    document = {
        "name_prefix": inputs.name_prefix,
        "cluster_name": inputs.cluster_name,
        "vpc_id": inputs.vpc_id,
        "node_groups": list(inputs.node_groups),
        "chart": inputs.chart.model_dump(mode="json"),
        "chart_inputs": {
            **chart_inputs,
            "role_arns": dict(inputs.chart_inputs.role_arns),
            "settings": {section: dict(options) for section, options in inputs.chart_inputs.settings.items()},
            "dags": inputs.chart_inputs.dags.model_dump(mode="json"),
            "ingress": inputs.chart_inputs.ingress.model_dump(mode="json"),
            "network": asdict(inputs.chart_inputs.network),
            "teams": [asdict(team) for team in inputs.chart_inputs.teams],
        },
        "ecr_image": None if inputs.ecr_image is None else vars(inputs.ecr_image),
        "secret_arns": dict(inputs.secret_arns),
        "load_balancer_controller_role_arn": inputs.load_balancer_controller_role_arn,
        "observability": inputs.observability.model_dump(mode="json"),
    }
    return json.dumps(document, sort_keys=True)


def from_output(text: Any, *, platform_stack: str) -> WorkloadsInputs:
    """The WorkloadsInputs the platform stack `platform_stack` exported as `text` (None when it exported none)."""
    fix = (
        f"fix: run the platform stage first (`make deploy` runs it before this one), or point "
        f"airflow-aws-workloads:platformStack at the platform stack if {platform_stack} is not it"
    )
    if text is None:
        raise PlatformOutputsError(
            f"platform stack {platform_stack} has no `{WORKLOADS_OUTPUT}` output: it was never deployed, its last "
            f"`pulumi up` failed before its node groups existed, or it predates the staged layout; {fix}"
        )
    try:
        raw = json.loads(text)
        chart_inputs = dict(raw["chart_inputs"])
        inputs = WorkloadsInputs(
            name_prefix=raw["name_prefix"],
            cluster_name=raw["cluster_name"],
            vpc_id=raw["vpc_id"],
            node_groups=tuple(raw["node_groups"]),
            chart=ChartConfig.model_validate(raw["chart"]),
            chart_inputs=ChartInputs(
                **{
                    **chart_inputs,
                    "dags": DagsConfig.model_validate(chart_inputs["dags"]),
                    "ingress": IngressConfig.model_validate(chart_inputs["ingress"]),
                    "network": _release_network(chart_inputs["network"]),
                    "teams": tuple(TeamRelease(**team) for team in chart_inputs["teams"]),
                }
            ),
            ecr_image=None if raw["ecr_image"] is None else EcrImage(**raw["ecr_image"]),
            secret_arns=dict(raw["secret_arns"]),
            load_balancer_controller_role_arn=raw["load_balancer_controller_role_arn"],
            observability=ObservabilityConfig.model_validate(raw["observability"]),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise PlatformOutputsError(
            f"platform stack {platform_stack}'s `{WORKLOADS_OUTPUT}` output is not what this program reads "
            f"({type(err).__name__}: {err}); fix: run the platform stage of this checkout again, then this one"
        ) from None
    if missing := [key for key in PLATFORM_SECRETS if key not in inputs.secret_arns]:
        raise PlatformOutputsError(
            f"platform stack {platform_stack} exports no ARN for the secrets {missing}; fix: run the platform "
            "stage of this checkout again, then this one"
        )
    return inputs


def _release_network(raw: Mapping[str, Any]) -> ReleaseNetwork:
    """A ReleaseNetwork from its JSON form, the lists back as tuples (JSON has no tuples)."""
    return ReleaseNetwork(**{key: tuple(value) if isinstance(value, list) else value for key, value in raw.items()})


def pinned(inputs: ChartInputs, digest: str | None) -> ChartInputs:
    """The chart inputs with the image digest the workloads stage looked up."""
    return replace(inputs, image_digest=digest)
