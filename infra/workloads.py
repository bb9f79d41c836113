"""The workloads stage: the Airflow chart, the Secrets and NetworkPolicies of its namespace, the cluster add-ons and,
where the cluster runs the Prometheus operator, the release's ServiceMonitors and alert rules, on the platform's
cluster.

A Pulumi project of its own (workloads/Pulumi.yaml, `workloads/__main__.py` calls `run()`), run after the
platform stage and the image push (`make deploy`). Its stack reads the platform stack of the same name through
a StackReference: the platform's typed config stays the one source, and its `workloads` output
(workloads_inputs.py) carries every name, ARN and CIDR needed here. Secret values are read from Secrets Manager by
ARN, never through stack outputs; the image is pinned to the digest ECR holds for its tag.

The components are declared once the platform's outputs are read (inside their apply): a StackReference's
outputs are known in previews too, so `pulumi preview` shows them, and a platform without them is refused
before anything is declared.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from infra.airflow_chart import AirflowChart, AirflowChartArgs
from infra.airflow_monitoring import AirflowMonitoring, AirflowMonitoringArgs
from infra.airflow_namespace import AirflowNamespace, AirflowNamespaceArgs
from infra.cluster_access import ClusterAccess, ClusterAccessArgs
from infra.cluster_addons import ClusterAddons, ClusterAddonsArgs
from infra.helm_values import chart_values
from infra.load_balancer_controller import ControllerSettings
from infra.monitoring import monitoring_objects
from infra.network_policies import network_policies
from infra.workloads_inputs import (
    KUBECONFIG_OUTPUT,
    PLATFORM_SECRETS,
    WORKLOADS_OUTPUT,
    PlatformOutputsError,
    WorkloadsInputs,
    from_output,
    pinned,
)

PROJECT = "airflow-aws-workloads"
PLATFORM_PROJECT = "airflow-aws"
IMAGE_PUSH = "make image-push"
"""The make target that builds (when ECR lacks the tag) and pushes the image the chart runs; `make deploy` runs
it between the stages."""


def platform_stack_name() -> str:
    """The stage's one config key, `airflow-aws-workloads:platformStack`: the fully qualified platform stack it
    deploys onto. Defaults to this organization's airflow-aws stack of the same name as this stack."""
    configured = pulumi.Config().get("platformStack")
    return configured or f"{pulumi.get_organization()}/{PLATFORM_PROJECT}/{pulumi.get_stack()}"


def run() -> dict[str, Any]:
    """Read the platform stack, refuse it without its workloads output, then deploy onto it, and export."""
    platform_stack = platform_stack_name()
    platform = pulumi.StackReference("platform", stack_name=platform_stack)

    def deploy(raw: Any) -> pulumi.Output[dict[str, Any]]:
        try:
            inputs = from_output(raw, platform_stack=platform_stack)
        except PlatformOutputsError as err:
            raise pulumi.RunError(str(err)) from None
        return _deploy(inputs, platform.get_output(KUBECONFIG_OUTPUT))

    deployed = platform.get_output(WORKLOADS_OUTPUT).apply(deploy)
    outputs = {"image": deployed["image"], "releaseStatus": deployed["releaseStatus"]}
    for name, value in outputs.items():
        pulumi.export(name, value)
    return outputs


def _deploy(inputs: WorkloadsInputs, kubeconfig: pulumi.Output[str]) -> pulumi.Output[dict[str, Any]]:
    prefix, chart_inputs = inputs.name_prefix, inputs.chart_inputs
    access = ClusterAccess(f"{prefix}-access", ClusterAccessArgs(kubeconfig=kubeconfig, region=chart_inputs.region))
    lookups = pulumi.InvokeOutputOptions(provider=access.aws, parent=access)
    image, digest = _pushed_image(inputs, lookups)
    values = digest.apply(lambda found: chart_values(pinned(chart_inputs, found)))
    secrets = {
        key: pulumi.Output.secret(
            aws.secretsmanager.get_secret_version_output(secret_id=inputs.secret_arns[key], opts=lookups).secret_string
        )
        for key in PLATFORM_SECRETS
    }
    namespace = AirflowNamespace(
        f"{prefix}-namespace",
        AirflowNamespaceArgs(
            provider=access.kubernetes,
            namespace=inputs.chart.namespace,
            image=image,
            values=values,
            metadata_credentials=secrets["metadata-db"],
            broker_url=secrets["broker"],
            airflow_secrets={
                key: secrets[key] for key in ("fernet-key", "jwt-secret", "api-secret-key", "admin-password")
            },
            network_policies=network_policies(
                chart_inputs.network,
                chart_inputs.dags,
                pod_launching=chart_inputs.pod_launching,
                observability=inputs.observability,
            ),
        ),
    )
    observability = inputs.observability
    if observability.prometheus_operator:
        AirflowMonitoring(
            f"{prefix}-monitoring",
            AirflowMonitoringArgs(
                provider=access.kubernetes,
                namespace=namespace.name,
                objects=monitoring_objects(inputs.chart.namespace, observability.monitor_labels),
            ),
        )
    addons = ClusterAddons(
        f"{prefix}-addons",
        ClusterAddonsArgs(
            provider=access.kubernetes,
            waits_for=[namespace],
            load_balancer_controller=_load_balancer_controller(inputs),
        ),
    )
    chart = AirflowChart(
        f"{prefix}-airflow",
        AirflowChartArgs(provider=access.kubernetes, chart=inputs.chart, values=values, waits_for=[namespace, addons]),
    )
    return pulumi.Output.from_input({"image": image, "releaseStatus": chart.release_status})


def _load_balancer_controller(inputs: WorkloadsInputs) -> ControllerSettings | None:
    """The controller's settings when the platform made its role (the stack has an ingress), else None."""
    if inputs.load_balancer_controller_role_arn is None:
        return None
    return ControllerSettings(
        cluster_name=inputs.cluster_name,
        region=inputs.chart_inputs.region,
        vpc_id=inputs.vpc_id,
        role_arn=inputs.load_balancer_controller_role_arn,
        registry=inputs.chart_inputs.registry,
    )


def _pushed_image(
    inputs: WorkloadsInputs, lookups: pulumi.InvokeOutputOptions
) -> tuple[pulumi.Output[str], pulumi.Output[str | None]]:
    """(the image reference the release runs, its digest): repository@digest of the tag ECR holds, refused
    with the make target that pushes it when ECR has no such tag. An image outside this account's ECR runs
    by its tag, unpinned."""
    repository, tag = inputs.chart_inputs.image_repository, inputs.chart_inputs.image_tag
    if inputs.ecr_image is None:
        pulumi.log.warn(f"{repository}:{tag} is outside this account's ECR: the chart runs it by tag, unpinned")
        return pulumi.Output.from_input(f"{repository}:{tag}"), pulumi.Output.from_input(None)
    listing = aws.ecr.get_images_output(
        registry_id=inputs.ecr_image.registry_id, repository_name=inputs.ecr_image.repository_name, opts=lookups
    )

    def digest_of(result: aws.ecr.GetImagesResult) -> str:
        for image in result.image_ids:
            if image.image_tag == tag:
                return image.image_digest
        raise pulumi.RunError(
            f"image {repository}:{tag} is not in ECR, so the release would never start; fix: build and push it "
            f"with `{IMAGE_PUSH} STACK={pulumi.get_stack()}` (`make deploy` runs it between the stages), or set "
            "airflow-aws:image.tag in the platform stack to a tag the repository holds"
        )

    digest = listing.apply(digest_of)
    return digest.apply(lambda found: f"{repository}@{found}"), digest
