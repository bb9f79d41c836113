"""ECR pull-through cache for the images the charts run besides ours (chart_images.py says which and from where)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.chart_images import Upstream


@dataclass(frozen=True)
class ImageMirrorArgs:
    upstreams: Sequence[Upstream]
    """The registries the stack's images are cached from (chart_images.used_upstreams)."""
    docker_hub_secret_arn: pulumi.Input[str]
    """ARN of the Secrets Manager secret chart_images.DOCKER_HUB_CREDENTIALS_SECRET, which the operator creates
    once per account and region (never in git or in Pulumi state); the stack looks it up by name.
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-secret.html"""


class ImageMirror(pulumi.ComponentResource):
    """Per upstream registry in args.upstreams (Docker Hub, quay.io, registry.k8s.io, ECR Public): an
    aws.ecr.PullThroughCacheRule under its prefix (Docker Hub with the credentials secret), and an
    aws.ecr.RepositoryCreationTemplate that makes the repositories ECR creates on the first pull immutable.
    Nodes then need ecr:BatchImportUpstreamImage and ecr:CreateRepository on those prefixes
    (chart_images.pull_through_cache_policy)."""

    prefixes: list[str]

    def __init__(self, name: str, args: ImageMirrorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:image_mirror:ImageMirror", name, None, opts)
        for upstream in args.upstreams:
            rule = aws.ecr.PullThroughCacheRule(
                f"{name}-{upstream.prefix}",
                ecr_repository_prefix=upstream.prefix,
                upstream_registry_url=upstream.registry_url,
                credential_arn=args.docker_hub_secret_arn if upstream.credentials_secret else None,
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.ecr.RepositoryCreationTemplate(
                f"{name}-{upstream.prefix}-template",
                prefix=upstream.prefix,
                applied_fors=["PULL_THROUGH_CACHE"],
                description=f"Cached images from {upstream.registry_url}",
                # A cached tag then never changes under a running release; a new pin is a new tag.
                image_tag_mutability="IMMUTABLE",
                # AES256: a customer key would need a custom role for ECR to create the repositories with.
                encryption_configurations=[
                    aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(encryption_type="AES256")
                ],
                opts=pulumi.ResourceOptions(parent=rule),
            )
        self.prefixes = [upstream.prefix for upstream in args.upstreams]
        self.register_outputs({"prefixes": self.prefixes})
