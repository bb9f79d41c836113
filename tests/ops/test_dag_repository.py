"""CI for a team's DAG repository: the dag_gates package and the reusable workflow (.github/workflows/
dag-repository.yml), against a sample repository built here (a git repo with one good DAG, then a bad one).

The workflow's own steps run here as GitHub would run them (their `run:` scripts, with the step's env resolved
from the inputs), with this checkout standing in for the platform checkout; actionlint checks the whole file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
import pytest
import yaml

from local_airflow.compose import REPO_ROOT
from local_airflow.services import AWS_DUMMY_KEY

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "dag-repository.yml"
GOOD_DAG = '''
"""Orders, loaded daily."""
import pendulum
from airflow.sdk import dag, task


@dag(schedule="@daily", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["orders"],
     default_args={"owner": "team-orders", "retries": 2}, doc_md=__doc__)
def orders():
    @task
    def load():
        """Load the day's orders."""

    load()


orders()
'''
# No tags and no owner: two policy breaches, on the line of the @dag decorator.
BAD_DAG = '''
"""Refunds, without tags or owner."""
import pendulum
from airflow.sdk import dag, task


@dag(schedule="@daily", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 2}, doc_md=__doc__)
def refunds():
    @task
    def load():
        """Load the day's refunds."""

    load()


refunds()
'''
BAD_DAG_LINE = 7


def git(repo: Path, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=team", "-c", "user.email=team@localhost", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, content in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(textwrap.dedent(content))
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def dag_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "team-dags"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit(repo, {"dags/orders.py": GOOD_DAG, "README.md": "Team DAGs\n"}, "Add the orders DAG")
    return repo


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def run_step(step_id: str, repo: Path, inputs: dict[str, str], secrets: dict[str, str] | None = None, **env: str):
    """Run a workflow step's script in `repo` as the runner would: the workflow's and the step's env, with
    `${{ inputs.x }}` / `${{ secrets.x }}` filled in (defaults from the workflow's inputs), this checkout as the
    platform checkout."""
    document = workflow()
    call = document[True]["workflow_call"]  # YAML 1.1 reads the key `on` as True
    values = {
        "inputs": {name: str(spec.get("default", "")) for name, spec in call["inputs"].items()} | inputs,
        "secrets": dict.fromkeys(call["secrets"], "") | (secrets or {}),
    }
    [step] = [step for job in document["jobs"].values() for step in job["steps"] if step.get("id") == step_id]

    def resolve(text: str) -> str:
        return re.sub(r"\$\{\{\s*(inputs|secrets)\.([\w-]+)\s*\}\}", lambda m: values[m[1]][m[2]], text)

    step_env = {name: resolve(str(value)) for name, value in step.get("env", {}).items()}
    full_env = {**os.environ, **document["env"], **step_env, "PLATFORM": str(REPO_ROOT), **env}
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=repo, env=full_env, capture_output=True, text=True
    )


class TestGates:
    """The gate step: the good DAG passes, the bad one is refused with file, line, rule and fix."""

    def test_should_pass_the_good_dag(self, dag_repo: Path):
        result = run_step("gates", dag_repo, {"platform-repository": "org/platform"})
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 file(s), 1 DAG(s), 0 violation(s)" in result.stderr

    def test_should_refuse_the_bad_dag_with_the_rule_and_the_fix(self, dag_repo: Path):
        commit(dag_repo, {"dags/refunds.py": BAD_DAG}, "Add the refunds DAG")
        result = run_step("gates", dag_repo, {"platform-repository": "org/platform"})
        assert result.returncode == 1, result.stdout + result.stderr
        annotations = [line for line in result.stdout.splitlines() if line.startswith("::error")]
        where = f"::error file=dags/refunds.py,line={BAD_DAG_LINE}"
        assert annotations == [
            f"{where},title=dag-gates owner::DAG 'refunds': default_args must name an owning team; "
            "fix: default_args={'owner': 'data-platform'}",
            f"{where},title=dag-gates tags::DAG 'refunds': has no tags to find and filter it by in the UI; "
            "fix: set tags=[...]",
        ]
        assert "2 file(s), 2 DAG(s), 2 violation(s)" in result.stderr

    def test_should_report_an_import_error_in_text(self, dag_repo: Path):
        commit(dag_repo, {"dags/broken.py": GOOD_DAG.replace("import pendulum", "import pendulum, missing_lib")}, "x")
        result = subprocess.run(
            [sys.executable, "-m", "dag_gates", "dags"],
            cwd=dag_repo,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 1
        [report] = result.stdout.splitlines()[:1]
        assert report.startswith("dags/broken.py:3: [import] failed to import with message:"), result.stdout
        assert "ModuleNotFoundError: No module named 'missing_lib'" in result.stdout


def test_dag_gates_install_and_run_without_this_repository(dag_repo: Path, tmp_path: Path):
    """The package's own distribution (dag_gates/pyproject.toml), installed apart, gates the sample repository
    with nothing of this checkout on the import path."""
    from airflow_settings.versions import uv_executable

    # Built from a copy: setuptools leaves build/ and *.egg-info beside the sources it builds.
    source, wheels, site = tmp_path / "dag_gates", tmp_path / "wheels", tmp_path / "site"
    shutil.copytree(REPO_ROOT / "dag_gates", source, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [uv_executable(), "build", "--quiet", "--wheel", "--out-dir", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = wheels.glob("dag_gates-*.whl")
    subprocess.run(
        [uv_executable(), "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)], check=True
    )
    commit(dag_repo, {"dags/refunds.py": BAD_DAG}, "Add the refunds DAG")
    result = subprocess.run(
        # -P: not even the working directory goes on the path; only the installed package and Airflow's environment.
        [sys.executable, "-P", "-c", "import dag_gates.__main__ as m, sys; print(m.__file__); sys.exit(m.main())"],
        cwd=dag_repo,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
    )
    assert result.stdout.startswith(str(site)), result.stdout
    assert result.returncode == 1 and f"dags/refunds.py:{BAD_DAG_LINE}: [tags]" in result.stdout, result.stdout


class TestDeploy:
    """The deploy steps: a git push for GitDagBundle and git-sync, the MWAA bucket sync."""

    def test_should_push_the_gated_commit_to_the_tracked_repository(self, dag_repo: Path, tmp_path: Path):
        tracked = tmp_path / "deployed.git"
        subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(tracked)], check=True)
        inputs = {"deploy": "git-push", "git-remote": f"file://{tracked}", "git-target-branch": "airflow"}
        result = run_step("git-push", dag_repo, inputs)
        assert result.returncode == 0, result.stdout + result.stderr
        assert git(tracked, "rev-parse", "airflow") == git(dag_repo, "rev-parse", "HEAD")

    def test_should_refuse_a_git_push_without_a_remote(self, dag_repo: Path):
        result = run_step("git-push", dag_repo, {"deploy": "git-push"})
        assert result.returncode == 1 and "git-remote is empty" in result.stdout

    def test_should_sync_the_dag_folder_to_the_mwaa_bucket(self, dag_repo: Path, moto_endpoint: str):
        aws = {
            "AWS_ENDPOINT_URL": moto_endpoint,
            "AWS_ACCESS_KEY_ID": AWS_DUMMY_KEY,
            "AWS_SECRET_ACCESS_KEY": AWS_DUMMY_KEY,
        }
        aws["AWS_DEFAULT_REGION"] = "eu-west-1"
        s3 = boto3.client(
            "s3",
            endpoint_url=moto_endpoint,
            region_name="eu-west-1",
            aws_access_key_id=AWS_DUMMY_KEY,
            aws_secret_access_key=AWS_DUMMY_KEY,
        )
        s3.create_bucket(Bucket="airflow-team-source", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        inputs = {"deploy": "mwaa", "mwaa-bucket": "airflow-team-source", "mwaa-prefix": "dags"}
        result = run_step("mwaa", dag_repo, inputs, **aws)
        assert result.returncode == 0, result.stdout + result.stderr
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket="airflow-team-source")["Contents"]]
        assert keys == ["dags/orders.py"]


def test_actionlint_passes_the_workflows_and_catches_a_broken_one(tmp_path: Path):
    """actionlint (built by `make actionlint` with go install) over every workflow, then over a broken copy."""
    make = ["make", "--no-print-directory", "-C", str(REPO_ROOT), "actionlint"]
    result = subprocess.run(make, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("${{ inputs.dags-folder }}", "${{ inputs.dag-folder }}", 1))
    result = subprocess.run([*make, f"ACTIONLINT_FILES={broken}"], capture_output=True, text=True)
    assert result.returncode != 0 and 'property "dag-folder" is not defined' in result.stdout, result.stdout
