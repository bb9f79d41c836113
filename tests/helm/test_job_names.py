"""The release's Jobs renamed by their own manifest (infra/job_names.py, the Release's post-renderer), through a real
Helm: two upgrades that change a Job give it two names, so neither patches the immutable pod template of the other."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from infra.job_names import (
    DIGEST_LENGTH,
    MAX_JOB_NAME,
    POST_RENDERER,
    UnexpectedManifest,
    base_name,
    renamed_jobs,
)
from tests.helm.chart_utils import helm_template, render, render_stack
from tests.infra.example_stacks import EKS_STACKS, airflow_release, example_stack

CHART_JOBS = ("airflow-run-airflow-migrations", "airflow-create-user")
DIGESTS = ("sha256:" + "1" * 64, "sha256:" + "2" * 64)
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def rendered_names(values: dict, *, post_renderer: str | None = str(POST_RENDERER)) -> dict[str, set[str]]:
    """Kind -> the names of the objects Helm renders for `values` (through the post-renderer unless None)."""
    manifests = helm_template(values, namespace="airflow", kube_version="1.33", post_renderer=post_renderer)
    names: dict[str, set[str]] = {}
    for document in filter(None, yaml.safe_load_all(manifests)):
        names.setdefault(document["kind"], set()).add(document["metadata"]["name"])
    return names


def job_names(values: dict) -> dict[str, str]:
    """The chart's name of each Job -> the name it is installed under."""
    return {base_name(name): name for name in rendered_names(values)["Job"]}


class TestJobNamesThroughHelm:
    """What `helm upgrade` would install, for values that differ in one way or another."""

    def test_should_rename_both_jobs_when_the_image_changes(self):
        first, second = (job_names(render(image_digest=digest)) for digest in DIGESTS)
        assert set(first) == set(second) == set(CHART_JOBS)
        assert all(first[job] != second[job] for job in CHART_JOBS)

    def test_should_keep_the_names_for_the_same_values(self):
        assert job_names(render(image_digest=DIGESTS[0])) == job_names(render(image_digest=DIGESTS[0]))

    def test_should_keep_the_names_when_a_change_leaves_the_jobs_alone(self):
        """Scaling the scheduler needs no new migration: the finished Job stays, and is not run again."""
        values = render(image_digest=DIGESTS[0])
        scaled = {**values, "scheduler": {**values["scheduler"], "replicas": 3}}
        assert job_names(values) == job_names(scaled)

    def test_should_rename_nothing_but_the_jobs(self):
        values = render()
        plain, post_rendered = rendered_names(values, post_renderer=None), rendered_names(values)
        assert {kind: names for kind, names in plain.items() if kind != "Job"} == {
            kind: names for kind, names in post_rendered.items() if kind != "Job"
        }
        assert plain["Job"] == set(CHART_JOBS)

    @pytest.mark.parametrize("stack", EKS_STACKS)
    def test_should_install_each_stacks_jobs_under_a_digested_name(self, stack: str):
        names = {document["metadata"]["name"] for document in render_stack(stack).of_kind("Job")}
        assert {base_name(name) for name in names} == set(CHART_JOBS)
        for name in names:
            assert len(name) == len(base_name(name)) + 1 + DIGEST_LENGTH <= MAX_JOB_NAME

    @pytest.mark.parametrize("stack", EKS_STACKS)
    def test_should_keep_finished_jobs_for_their_logs(self, stack: str):
        for job in render_stack(stack).of_kind("Job"):
            assert "ttlSecondsAfterFinished" not in job["spec"], job["metadata"]["name"]


class TestPostRenderer:
    """The file the Release runs, and what it refuses."""

    @pytest.mark.parametrize("stack", EKS_STACKS)
    def test_should_be_the_releases_post_renderer(self, stack: str):
        assert airflow_release(example_stack(stack)).inputs["postrender"] == str(POST_RENDERER)

    def test_should_run_as_an_executable_with_the_system_python(self):
        """Helm executes it with no arguments and the deployer's PATH, outside the program's environment: only
        the standard library may be needed, as the system python3 (no PyYAML, no project package) shows."""
        assert os.access(POST_RENDERER, os.X_OK)
        manifest = "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\nspec: {}\n"
        result = subprocess.run(
            [str(POST_RENDERER)],
            input=manifest,
            env={"PATH": SYSTEM_PATH},
            cwd="/",
            capture_output=True,
            text=True,
            check=True,
        )
        assert yaml.safe_load(result.stdout)["metadata"]["name"].startswith("x-")

    def test_should_leave_a_cronjob_and_everything_else_as_it_is(self):
        manifest = (
            "---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: airflow-database-cleanup\n"
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: airflow-config\n"
        )
        assert renamed_jobs(manifest) == manifest

    def test_should_refuse_a_job_it_cannot_rename(self):
        with pytest.raises(UnexpectedManifest, match="a Job without `metadata:` then `  name:`"):
            renamed_jobs("---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  labels: {}\n  name: x\n")

    def test_should_refuse_a_name_kubernetes_would_refuse(self):
        name = "j" * (MAX_JOB_NAME - DIGEST_LENGTH)
        with pytest.raises(UnexpectedManifest, match="would exceed Kubernetes' 63 characters"):
            renamed_jobs(f"---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n")
