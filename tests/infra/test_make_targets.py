"""make targets: the pulumi CLI check of preview/deploy, the pinned inputs `make test` fetches, and the help."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from airflow_settings.versions import AIRFLOW_VERSION, PULUMI_SDK_VERSION, pin
from tests.infra.harness import REPO_ROOT

pytestmark = pytest.mark.infra


def make(target: str, path: str, *variables: str) -> subprocess.CompletedProcess[str]:
    # `-o .venv-infra/.synced`: take the environment as up to date; these tests are about the CLI check.
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv-infra/.synced", target, *variables],
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
    )


def fake_pulumi(directory: Path, version: str) -> str:
    """A `pulumi` on PATH that only answers `pulumi version` and echoes anything else."""
    script = directory / "pulumi"
    script.write_text(f'#!/bin/sh\nif [ "$1" = version ]; then echo v{version}; else echo "pulumi $*"; fi\n')
    script.chmod(0o755)
    return f"{directory}:/usr/bin:/bin"


class TestPulumiCliCheck:
    """The pulumi-cli prerequisite of preview and deploy."""

    def test_should_say_where_to_get_a_missing_cli(self):
        result = make("preview", "/usr/bin:/bin")
        assert result.returncode != 0
        assert f"pulumi CLI is not installed: need {PULUMI_SDK_VERSION} or newer, found none" in result.stdout
        assert "pulumi.com/docs/iac/download-install" in result.stdout

    def test_should_refuse_an_old_cli(self, tmp_path: Path):
        result = make("deploy", fake_pulumi(tmp_path, "3.100.0"))
        assert result.returncode != 0
        assert f"too old: need {PULUMI_SDK_VERSION} or newer, found 3.100.0" in result.stdout

    def test_should_run_pulumi_for_the_chosen_stack(self, tmp_path: Path):
        result = make("preview", fake_pulumi(tmp_path, "3.280.1"), "STACK=prod")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "pulumi preview --stack prod --diff" in result.stdout


class TestPulumiProject:
    """Pulumi.yaml runs infra/ in the environment `make infra-venv` creates."""

    def test_should_point_the_runtime_at_the_infra_venv(self):
        import yaml

        project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
        makefile = (REPO_ROOT / "Makefile").read_text()
        assert project["name"] == "airflow-aws" and project["main"] == "infra/"
        assert project["runtime"]["options"] == {"toolchain": "pip", "virtualenv": ".venv-infra"}
        assert "VENV_INFRA := .venv-infra" in makefile
        assert (REPO_ROOT / "infra" / "__main__.py").is_file()


# The variables that name local copies of the pinned inputs (.ci/run sets them): unset, so make's own fetch runs.
LOCAL_COPIES = ("AIRFLOW_CHART_TARBALL", "AIRFLOW_CHART_SCHEMA_DIR", "COMPOSE_SPEC_SCHEMA")


# RFC 2606 reserves .invalid: the name never resolves, as no name does on a machine without internet.
UNREACHABLE = "http://downloads.invalid"


def make_pinned(cache: Path, *arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """make with CACHE_DIR in `cache`, no local copies but those in `environment`, and every download unreachable."""
    env = {name: value for name, value in os.environ.items() if name not in LOCAL_COPIES} | environment
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            f"CACHE_DIR={cache}",
            f"AIRFLOW_CHART_URL={UNREACHABLE}/airflow.tgz",
            f"COMPOSE_SPEC_URL={UNREACHABLE}/compose-spec.json",
            *arguments,
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


class TestPinnedInputs:
    """`make test` fetches the chart and the compose schema itself, or checks the local copies it is given."""

    def test_should_fetch_the_inputs_before_any_test_runs(self, tmp_path: Path):
        result = make_pinned(tmp_path, "-n", "test")
        lines = result.stdout.splitlines()
        first_pytest = next(i for i, line in enumerate(lines) if "/bin/pytest tests" in line)
        fetches = [i for i, line in enumerate(lines) if "--fetch" in line or "compose_check --fetch-binary" in line]
        assert len(fetches) == 3 and max(fetches) < first_pytest, result.stdout

    def test_should_say_what_failed_and_how_to_go_on_when_offline(self, tmp_path: Path):
        chart = pin("airflow-chart")
        result = make_pinned(tmp_path, "chart-schema")
        assert result.returncode != 0
        assert f"cannot download airflow-chart {chart.version} (sha256 {chart.sha256}) from {UNREACHABLE}" in (
            result.stderr
        )
        assert f"set AIRFLOW_CHART_TARBALL to a copy of airflow-{chart.version}.tgz or AIRFLOW_CHART_SCHEMA_DIR" in (
            result.stderr
        )
        assert not list((tmp_path / "airflow-chart" / chart.version).iterdir())

    def test_should_say_so_when_the_compose_schema_cannot_be_downloaded(self, tmp_path: Path):
        result = make_pinned(tmp_path, "compose-schema")
        assert result.returncode != 0
        assert f"cannot download compose-spec {pin('compose-spec').version}" in result.stderr
        assert "set COMPOSE_SPEC_SCHEMA to a copy of compose-spec.json" in result.stderr

    def test_should_refuse_a_local_tarball_that_is_not_the_pinned_one(self, tmp_path: Path):
        tarball = tmp_path / "airflow.tgz"
        tarball.write_bytes(b"not the chart\n")
        result = make_pinned(tmp_path / "cache", "chart-schema", AIRFLOW_CHART_TARBALL=str(tarball))
        assert result.returncode != 0
        assert f"is not the pinned {pin('airflow-chart').sha256}" in result.stderr
        assert "AIRFLOW_CHART_TARBALL must name a copy of" in result.stderr

    def test_should_use_a_local_schema_folder_and_fetch_nothing(self, tmp_path: Path):
        schema_dir = tmp_path / "chart"
        schema_dir.mkdir()
        for name in ("values.yaml", "values.schema.json"):
            (schema_dir / name).write_text("{}\n")
        result = make_pinned(tmp_path / "cache", "chart-schema", AIRFLOW_CHART_SCHEMA_DIR=str(schema_dir))
        assert result.returncode == 0, result.stderr
        assert not (tmp_path / "cache").exists()

    def test_should_name_what_a_local_schema_folder_lacks(self, tmp_path: Path):
        result = make_pinned(tmp_path / "cache", "chart-schema", AIRFLOW_CHART_SCHEMA_DIR=str(tmp_path))
        assert result.returncode != 0
        assert f"AIRFLOW_CHART_SCHEMA_DIR={tmp_path} has no values.yaml" in result.stderr

    def test_should_stop_early_without_a_python_that_reads_the_pins(self, tmp_path: Path):
        result = make_pinned(tmp_path, "help", "PYTHON=/nonexistent/python3")
        assert result.returncode != 0
        assert "needs Python 3.11 or newer" in result.stderr


class TestHelp:
    """`make help` is generated from the `## ...` after each target."""

    def test_every_target_has_a_help_line(self):
        # FORCE is make's always-out-of-date idiom, not something to run.
        makefiles = [REPO_ROOT / "Makefile", *sorted((REPO_ROOT / "mk").glob("*.mk"))]
        rules = [line for file in makefiles for line in file.read_text().splitlines()]
        targets = [line for line in rules if re.match(r"[a-z][a-z0-9-]*:(?!=)", line) and not line.startswith("FORCE:")]
        assert targets and [line for line in targets if " ## " not in line] == []

    def test_should_list_the_pinned_input_targets(self):
        shown = subprocess.run(["make", "help"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
        listed = set(re.findall(r"^ +([a-z][a-z0-9-]*) ", re.sub(r"\x1b\[[0-9;]*m", "", shown), re.M))
        assert {"pins", "test-inputs", "chart-schema", "compose-schema", "compose-binary"} <= listed


def fake_toolchain(directory: Path, *, target: str, deployed: bool, pushed: bool) -> tuple[dict[str, str], Path]:
    """pulumi, aws and a container engine on PATH that log each call to one file and answer like the real ones
    for a `target` stack whose platform stage is `deployed` and whose image tag ECR holds when `pushed`."""
    log = directory / "calls.log"
    outputs = {
        "imageUri": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/airflow-dev/airflow:3.3.1-1",
        "ecrRepositoryUrl": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/airflow-dev/airflow",
        "region": "eu-west-1",
    }
    answers = "\n".join(f'  *"stack output --stack dev {name}"*) echo {value} ;;' for name, value in outputs.items())
    scripts = {
        "pulumi": f"""echo "pulumi $*" >> {log}
case "$*" in
  version) echo v{PULUMI_SDK_VERSION} ;;
  *"config get"*) echo {target} ;;
{answers}
  *"stack output --stack dev workloads"*) {"echo {}" if deployed else "exit 255"} ;;
esac""",
        "aws": f"""echo "aws $*" >> {log}
case "$*" in
  *describe-images*) {"exit 0" if pushed else "exit 254"} ;;
  *get-login-password*) echo token ;;
esac""",
        "engine": f'cat >/dev/null; echo "engine $*" >> {log}',
    }
    for name, body in scripts.items():
        (directory / name).write_text(f"#!/bin/sh\n{body}\n")
        (directory / name).chmod(0o755)
    return {"PATH": f"{directory}:/usr/bin:/bin", "CONTAINER_ENGINE": str(directory / "engine")}, log


def run_make(target: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv-infra/.synced",
            target,
            "STACK=dev",
            *(f"{name}={value}" for name, value in environment.items() if name != "PATH"),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": environment["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )


def calls(log: Path) -> list[str]:
    """The logged calls that change or read something, without the CLI checks and config lookups."""
    return [
        line
        for line in log.read_text().splitlines()
        if line not in ("pulumi version",) and "config get" not in line and "stack output" not in line
    ]


class TestDeploySequence:
    """make deploy: the platform stage, the image pushed to ECR, then the workloads stage (eks); one stage (mwaa)."""

    def test_should_push_the_image_between_the_stages(self, tmp_path: Path):
        environment, log = fake_toolchain(tmp_path, target="eks", deployed=True, pushed=False)
        result = run_make("deploy", environment)
        assert result.returncode == 0, result.stdout + result.stderr
        uri = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/airflow-dev/airflow:3.3.1-1"
        assert calls(log) == [
            "pulumi up --stack dev",
            "aws ecr describe-images --region eu-west-1 --repository-name airflow-dev/airflow "
            "--image-ids imageTag=3.3.1-1",
            *[call for call in calls(log) if call.startswith("engine build")][:1],
            "aws ecr get-login-password --region eu-west-1",
            "engine login --username AWS --password-stdin 111122223333.dkr.ecr.eu-west-1.amazonaws.com",
            f"engine tag airflow-on-aws:{AIRFLOW_VERSION} {uri}",
            f"engine push {uri}",
            "pulumi -C workloads stack select --create dev",
            "pulumi -C workloads up --stack dev",
        ]
        (build,) = [call for call in calls(log) if call.startswith("engine build")]
        assert f"-t airflow-on-aws:{AIRFLOW_VERSION}" in build, "make image builds the image that is pushed"

    def test_should_not_rebuild_a_tag_ecr_already_holds(self, tmp_path: Path):
        environment, log = fake_toolchain(tmp_path, target="eks", deployed=True, pushed=True)
        result = run_make("deploy", environment)
        assert result.returncode == 0, result.stdout + result.stderr
        assert not [call for call in calls(log) if call.startswith("engine")]
        assert calls(log)[-1] == "pulumi -C workloads up --stack dev"
        assert "is already in ECR; nothing to push" in result.stdout

    def test_should_deploy_mwaa_in_one_stage(self, tmp_path: Path):
        environment, log = fake_toolchain(tmp_path, target="mwaa", deployed=False, pushed=False)
        result = run_make("deploy", environment)
        assert result.returncode == 0, result.stdout + result.stderr
        assert calls(log) == ["pulumi up --stack dev"]

    def test_should_stop_when_the_platform_stage_fails(self, tmp_path: Path):
        environment, log = fake_toolchain(tmp_path, target="eks", deployed=False, pushed=False)
        pulumi = tmp_path / "pulumi"
        pulumi.write_text(pulumi.read_text().replace("esac", '  "up --stack dev") exit 1 ;;\nesac'))
        result = run_make("deploy", environment)
        assert result.returncode != 0
        assert calls(log) == ["pulumi up --stack dev"]

    def test_should_say_where_to_get_a_missing_aws_cli(self, tmp_path: Path):
        environment, _ = fake_toolchain(tmp_path, target="eks", deployed=True, pushed=False)
        (tmp_path / "aws").unlink()
        result = run_make("image-push", environment)
        assert result.returncode != 0
        assert "The AWS CLI is not installed" in result.stdout and "getting-started-install" in result.stdout


class TestPreviewBothStages:
    """make preview: the workloads stage too, once the platform stage has been deployed."""

    def test_should_preview_both_stages_of_a_deployed_stack(self, tmp_path: Path):
        environment, log = fake_toolchain(tmp_path, target="eks", deployed=True, pushed=True)
        result = run_make("preview", environment)
        assert result.returncode == 0, result.stdout + result.stderr
        assert calls(log) == [
            "pulumi preview --stack dev --diff",
            "pulumi -C workloads stack select --create dev",
            "pulumi -C workloads preview --stack dev --diff",
        ]

    def test_should_say_why_a_first_preview_stops_at_the_platform(self, tmp_path: Path):
        environment, log = fake_toolchain(tmp_path, target="eks", deployed=False, pushed=False)
        result = run_make("preview", environment)
        assert result.returncode == 0, result.stdout + result.stderr
        assert calls(log) == ["pulumi preview --stack dev --diff"]
        assert "no preview of the workloads stage yet: stack dev has no workloads output" in result.stdout


class TestWorkloadsProject:
    """workloads/Pulumi.yaml runs workloads/ in the same environment as the platform project."""

    def test_should_point_the_runtime_at_the_infra_venv(self):
        import yaml

        project = yaml.safe_load((REPO_ROOT / "workloads" / "Pulumi.yaml").read_text())
        assert project["name"] == "airflow-aws-workloads" and "main" not in project
        assert project["runtime"]["options"] == {"toolchain": "pip", "virtualenv": "../.venv-infra"}
        assert (REPO_ROOT / "workloads" / "__main__.py").is_file()
