"""The chart's metadata DB cleanup CronJob (databaseCleanup): on, with the platform's one retention, on the maintenance
DAG's schedule, as restricted as every other pod, and reaching pgbouncer only (the flow matrix in
test_network_policies.py holds its flows)."""

from __future__ import annotations

import ast
from pathlib import Path

import jmespath
import pytest

from airflow_settings import load_settings
from infra.helm_values import RESTRICTED_CONTAINER
from tests.helm.chart_utils import render, render_stack
from tests.infra.example_stacks import EKS_STACKS
from tests.infra.harness import REPO_ROOT

MAINTENANCE_DAG = REPO_ROOT / "dags" / "maintenance_db_clean.py"


def dag_schedule(path: Path) -> str:
    """The `schedule=` of the file's @dag, read without importing Airflow (this environment has none)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.keyword) and node.arg == "schedule":
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path} has no schedule=")


def cleanup(stack: str) -> dict:
    return render_stack(stack).get("CronJob", "airflow-database-cleanup")


class TestDatabaseCleanupValues:
    """The values the chart gets."""

    def test_should_clean_with_the_platforms_one_retention(self):
        values = jmespath.search("databaseCleanup", render())
        assert values["enabled"] is True
        assert values["retentionDays"] == load_settings().for_target("eks")["db_clean"]["retention_days"]

    def test_should_archive_nothing_like_the_maintenance_dag(self):
        assert jmespath.search("databaseCleanup.skipArchive", render()) is True

    def test_should_run_when_the_maintenance_dag_runs_elsewhere(self):
        assert jmespath.search("databaseCleanup.schedule", render()) == dag_schedule(MAINTENANCE_DAG)


@pytest.mark.parametrize("stack", EKS_STACKS)
class TestDatabaseCleanupCronJob:
    """The CronJob as Helm renders it."""

    def test_should_run_airflow_db_clean_past_the_retention_without_archive(self, stack: str):
        (container,) = jmespath.search("spec.jobTemplate.spec.template.spec.containers", cleanup(stack))
        command = " ".join(container["args"])
        retention = load_settings().for_target("eks")["db_clean"]["retention_days"]
        assert f'date -d "-{retention} days"' in command
        assert "exec airflow db clean --clean-before-timestamp" in command
        assert command.rstrip().endswith("--yes --skip-archive --verbose")

    def test_should_never_run_two_at_once(self, stack: str):
        spec = cleanup(stack)["spec"]
        assert (spec["concurrencyPolicy"], spec["schedule"]) == ("Forbid", dag_schedule(MAINTENANCE_DAG))

    def test_should_run_our_image_restricted_with_requests_and_a_memory_limit(self, stack: str):
        rendered = render_stack(stack)
        pod = jmespath.search("spec.jobTemplate.spec.template.spec", cleanup(stack))
        (container,) = pod["containers"]
        assert container["image"] == jmespath.search(
            "spec.template.spec.containers[0].image", rendered.get("Deployment", "airflow-scheduler")
        )
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert container["securityContext"] == RESTRICTED_CONTAINER
        assert set(container["resources"]["requests"]) == {"cpu", "memory"}
        assert set(container["resources"]["limits"]) == {"memory"}

    def test_should_mount_no_api_token(self, stack: str):
        account = render_stack(stack).get("ServiceAccount", "airflow-database-cleanup")
        assert account["automountServiceAccountToken"] is False

    def test_should_read_the_metadata_connection_from_its_secret(self, stack: str):
        (container,) = jmespath.search("spec.jobTemplate.spec.template.spec.containers", cleanup(stack))
        env = {entry["name"]: entry for entry in container["env"]}
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]["valueFrom"]["secretKeyRef"]["name"] == "airflow-metadata"
