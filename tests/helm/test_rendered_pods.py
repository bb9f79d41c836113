"""Every pod template the release renders: Pod Security restricted, requests and limits, images from the stack's ECR."""

from __future__ import annotations

import pytest

from airflow_settings.versions import pin
from infra.chart_images import CHART_IMAGES, UPSTREAMS, ecr_registry
from policy.airflow_aws_policies.pod_security import RenderedContainer, restricted_violations
from tests.helm.chart_utils import Rendered, render_stack
from tests.infra.example_stacks import EKS_STACKS, example_stack
from tests.infra.harness import ACCOUNT_ID
from tests.infra.staged_stacks import IMAGE_DIGEST


@pytest.fixture(params=EKS_STACKS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return render_stack(request.param)


class TestPodSecurity:
    """Pod Security Standard restricted, for every container, init containers and sidecars included."""

    def test_should_render_the_expected_pods(self, rendered: Rendered):
        # Seven Deployments, the migration and first-admin Jobs, and the metadata DB cleanup CronJob.
        assert len(list(rendered.pod_templates())) == 10

    def test_should_restrict_every_container(self, rendered: Rendered):
        problems = []
        for where, template in rendered.pod_templates():
            spec = template["spec"]
            problems += [f"{where}: {key}" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key)]
            problems += [f"{where}: hostPath volume" for volume in spec.get("volumes", []) if "hostPath" in volume]
            for container in spec.get("initContainers", []) + spec["containers"]:
                problems += restricted_violations(
                    RenderedContainer(
                        where,
                        container["name"],
                        spec.get("securityContext") or {},
                        container.get("securityContext") or {},
                    )
                )
        assert problems == []


class TestResources:
    """Requests and a memory limit on every container (no CPU limits, by design)."""

    def test_should_size_every_container(self, rendered: Rendered):
        unsized = [
            where
            for where, container in rendered.containers()
            if not {"cpu", "memory"} <= set((container.get("resources") or {}).get("requests") or {})
            or "memory" not in ((container.get("resources") or {}).get("limits") or {})
        ]
        assert unsized == []


class TestImages:
    """Every image from the stack's ECR: ours by the digest the workloads stage found, or the pull-through cache's
    under a pinned tag (its repositories are immutable: test_image_mirror.py)."""

    def test_should_pull_every_image_from_the_stack_registry(self, rendered: Rendered):
        registry = ecr_registry(ACCOUNT_ID, example_stack(rendered.stack).config["aws:region"])
        airflow = rendered.values["images"]["airflow"]
        allowed = {f"{airflow['repository']}@{IMAGE_DIGEST}"} | {
            f"{registry}/{UPSTREAMS[image.upstream].prefix}/{image.path}:{image.tag_prefix}{pin(image.pin).version}"
            for image in CHART_IMAGES
        }
        foreign = [f"{where}: {c['image']}" for where, c in rendered.containers() if c["image"] not in allowed]
        assert foreign == []
        assert all(image.startswith(f"{registry}/") for image in allowed)
        assert "latest" not in {image.rsplit(":", 1)[1] for image in allowed if "@" not in image}
