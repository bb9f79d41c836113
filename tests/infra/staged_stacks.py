"""The workloads stage under the mock runtime, fed with a recorded platform stack.

`build_workloads(stack, platform)` runs infra.workloads.run() as `pulumi up` of workloads/ would, with mocks that
answer like the real neighbours of the stage: the StackReference with the platform's recorded exports, Secrets
Manager with the values the platform stored, and ECR with the image pushed under each of `pushed_tags`.
`deployment(platform, workloads)` is what both stages of one stack create together, for the checks (the
policy pack, the chart values) that look at the whole deployment.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pulumi
import yaml

from infra.workloads import PROJECT, run
from tests.infra.harness import REPO_ROOT, SECRET_ARN, Built, PlatformMocks, build_stack

IMAGE_DIGEST = "sha256:" + "0123456789abcdef" * 4
"""The digest ECR answers for a pushed tag."""


class WorkloadsMocks(PlatformMocks):
    """PlatformMocks plus the platform stack, its stored secrets and the pushed image."""

    def __init__(
        self, built: Built, *, platform: Built, platform_outputs: dict[str, Any], pushed_tags: tuple[str, ...]
    ) -> None:
        super().__init__(built)
        self.platform_outputs = platform_outputs
        self.secret_names = sorted(platform.secret_outputs)
        self.pushed_tags = pushed_tags
        self.stored = _stored_secrets(platform)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            return args.resource_id, {
                "name": args.resource_id,
                "outputs": self.platform_outputs,
                "secretOutputNames": self.secret_names,
            }
        return super().new_resource(args)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == "aws:secretsmanager/getSecretVersion:getSecretVersion":
            self._record(args)
            arn = args.args["secretId"]
            return {"id": arn, "arn": arn, "secretId": arn, "secretString": self.stored[arn], "versionId": "v1"}
        if args.token == "aws:ecr/getImages:getImages":
            self._record(args)
            images = [{"imageDigest": IMAGE_DIGEST, "imageTag": tag} for tag in self.pushed_tags]
            return {"id": args.args["repositoryName"], **args.args, "imageIds": images}
        return super().call(args)

    def _record(self, args: pulumi.runtime.MockCallArgs) -> None:
        self.built.invokes.append(args.token)
        self.built.invoke_args.append(dict(args.args))


def _stored_secrets(platform: Built) -> dict[str, str]:
    """Secret ARN -> the value the platform's SecretVersion stored (the ARNs as the platform mocks make them)."""
    versions = {
        v.inputs["secretId"]: v.inputs["secretString"]
        for v in platform.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    }
    return {
        SECRET_ARN.format(secret.inputs["name"]): versions[f"{secret.name}-id"]
        for secret in platform.of_type("aws:secretsmanager/secret:Secret")
    }


def workloads_config(stack: str) -> dict[str, Any]:
    """The committed workloads/Pulumi.<stack>.yaml config."""
    return yaml.safe_load((REPO_ROOT / "workloads" / f"Pulumi.{stack}.yaml").read_text())["config"]


def build_workloads(
    stack: str,
    platform: Built,
    built: Built | None = None,
    *,
    platform_outputs: dict[str, Any] | None = None,
    pushed_tags: tuple[str, ...] | None = None,
    config: dict[str, Any] | None = None,
    through_entry_point: bool = False,
) -> Built:
    """The workloads stage of `stack` on the recorded `platform` (its exports unless `platform_outputs` is
    given), with the image pushed under the platform's image.tag unless `pushed_tags` says otherwise, and the
    committed workloads/Pulumi.<stack>.yaml config unless `config` replaces it."""
    outputs = platform.outputs if platform_outputs is None else platform_outputs
    if pushed_tags is None:
        pushed_tags = (platform.config["airflow-aws:image"]["tag"],)
    return build_stack(
        stack,
        workloads_config(stack) if config is None else config,
        built,
        through_entry_point=through_entry_point,
        program_run=run,
        project=PROJECT,
        entry_point=REPO_ROOT / "workloads",
        mocks=lambda recording: WorkloadsMocks(
            recording, platform=platform, platform_outputs=outputs, pushed_tags=pushed_tags
        ),
    )


def deployment(platform: Built, workloads: Built) -> Built:
    """Both stages of one stack as one record: every resource, export and invoke of either."""
    return replace(
        platform,
        resources=[*platform.resources, *workloads.resources],
        outputs={**platform.outputs, **workloads.outputs},
        secret_outputs=platform.secret_outputs | workloads.secret_outputs,
        invokes=[*platform.invokes, *workloads.invokes],
        invoke_args=[*platform.invoke_args, *workloads.invoke_args],
        registered_outputs={**platform.registered_outputs, **workloads.registered_outputs},
        output_dependencies={**platform.output_dependencies, **workloads.output_dependencies},
    )
