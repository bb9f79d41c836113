"""The images the chart (and the AWS Load Balancer Controller) run beside ours, served from the stack's ECR through
pull-through cache rules: pure, so the values and the render tests share one mapping.

Nodes pull `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<upstream path>:<tag>`; on a miss ECR fetches the
image from the upstream registry once and keeps it in a repository the creation template makes immutable
(image_mirror.py), so no pull goes to Docker Hub, quay.io or registry.k8s.io (pull limits, NAT), and a tag can't
change under a running release. The tags are pins in pyproject.toml ([tool.airflow-on-aws.pins.<name>-image]).
https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_settings.versions import pin

DOCKER_HUB_CREDENTIALS_SECRET = "ecr-pullthroughcache/docker-hub"  # pragma: allowlist secret (a secret name, no value)
"""Secrets Manager secret ECR signs in to Docker Hub with: JSON {"username": ..., "accessToken": ...} (a Docker Hub
access token). ECR requires the `ecr-pullthroughcache/` prefix. The operator creates it once per account and region,
outside git and Pulumi state: `aws secretsmanager create-secret --name ecr-pullthroughcache/docker-hub
--secret-string file://docker-hub.json`."""


@dataclass(frozen=True)
class Upstream:
    """A registry ECR caches, under its own repository prefix."""

    prefix: str
    """ECR repository prefix of the cache, e.g. docker-hub (2 to 30 characters)."""
    registry_url: str
    """The upstream registry, as CreatePullThroughCacheRule names it."""
    credentials_secret: str | None = None
    """Secrets Manager secret with the upstream credentials, for registries that require them."""


UPSTREAMS = {
    upstream.prefix: upstream
    for upstream in (
        Upstream("docker-hub", "registry-1.docker.io", DOCKER_HUB_CREDENTIALS_SECRET),
        Upstream("quay", "quay.io"),
        Upstream("k8s", "registry.k8s.io"),
        Upstream("ecr-public", "public.ecr.aws"),
    )
}


@dataclass(frozen=True)
class ChartImage:
    """One image a chart runs that doesn't come from our own repository."""

    values_key: str
    """Its key under the Airflow chart's `images:`."""
    upstream: str
    """Key of UPSTREAMS it is cached from."""
    path: str
    """Repository path in the upstream registry."""
    pin: str
    """The pyproject.toml pin holding its version."""
    tag_prefix: str = ""
    """What the upstream tag puts before that version (a `v`), when the pin is shared with a tool built from
    the same release."""


CHART_IMAGES = (
    ChartImage("pgbouncer", "docker-hub", "apache/airflow", "pgbouncer-image"),
    ChartImage("pgbouncerExporter", "docker-hub", "apache/airflow", "pgbouncer-exporter-image"),
    # The same statsd_exporter release the native stack builds from source (pin statsd-exporter), so both
    # translate metrics alike.
    ChartImage("statsd", "quay", "prometheus/statsd-exporter", "statsd-exporter", tag_prefix="v"),
    ChartImage("gitSync", "k8s", "git-sync/git-sync", "git-sync-image"),
)
"""The Airflow chart's `images:` entries it renders for our values, besides images.airflow."""

LOAD_BALANCER_CONTROLLER_IMAGE = ("ecr-public", "eks/aws-load-balancer-controller")
"""(upstream, path) of the AWS Load Balancer Controller image; its tag is the chart's appVersion."""


def ecr_registry(account_id: str, region: str) -> str:
    """The private registry of one account and region."""
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com"


def cached_repository(registry: str, upstream: str, path: str) -> str:
    """Where `path` of the upstream registry appears in the pull-through cache of `registry`."""
    return f"{registry}/{UPSTREAMS[upstream].prefix}/{path}"


def chart_image_values(registry: str) -> dict[str, dict[str, str]]:
    """The Airflow chart's `images:` for everything but our Airflow image: cached repository and pinned tag."""
    return {
        image.values_key: {
            "repository": cached_repository(registry, image.upstream, image.path),
            "tag": image.tag_prefix + pin(image.pin).version,
        }
        for image in CHART_IMAGES
    }


def used_upstreams(*, load_balancer_controller: bool) -> list[Upstream]:
    """The upstream registries some image the stack runs is cached from, in UPSTREAMS order: the Airflow chart's,
    and the AWS Load Balancer Controller's when the stack runs it (an ingress)."""
    used = {image.upstream for image in CHART_IMAGES}
    if load_balancer_controller:
        used.add(LOAD_BALANCER_CONTROLLER_IMAGE[0])
    return [upstream for prefix, upstream in UPSTREAMS.items() if prefix in used]


def pull_through_cache_policy(registry_arn_prefix: str, upstreams: list[Upstream]) -> dict:
    """The node role's extra statement: ECR imports an upstream image on the first pull, as the puller, and
    creates its repository then, under the prefixes of `upstreams` only. `registry_arn_prefix` is
    arn:aws:ecr:<region>:<account>:repository."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PullThroughCache",
                "Effect": "Allow",
                "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
                "Resource": [f"{registry_arn_prefix}/{upstream.prefix}/*" for upstream in upstreams],
            }
        ],
    }
