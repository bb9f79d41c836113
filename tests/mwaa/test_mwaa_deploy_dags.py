"""`make deploy-dags` against moto's S3: upload, skip unchanged, delete removed, nested folders, dry run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mwaa.artifacts import REPO_ROOT
from mwaa.deploy import DeployError, stack_target, sync_dags, target_from_outputs
from mwaa.layout import ARTIFACT_KEYS, DAGS_PREFIX, GENERATED_DAGS
from mwaa.sources import source_files


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def keys(s3, bucket: str, prefix: str = "") -> list[str]:
    return sorted(obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))


def object_versions(s3, bucket: str) -> list[tuple[str, str]]:
    """Every version and delete marker: unchanged iff nothing was written."""
    answer = s3.list_object_versions(Bucket=bucket)
    entries = answer.get("Versions", []) + answer.get("DeleteMarkers", [])
    return sorted((entry["Key"], entry["VersionId"]) for entry in entries)


DAGS = {
    "etl.py": "from airflow.sdk import dag\n",
    "team_a/report.py": "# report DAG\n",
    "team_a/sql/daily.sql": "select 1;\n",
    ".airflowignore": "scratch/\n",
    "__pycache__/etl.cpython-312.pyc": "bytecode",
    "team_a/__pycache__/report.cpython-311.pyc": "bytecode",
}
SHIPPED = [
    f"{DAGS_PREFIX}/.airflowignore",
    f"{DAGS_PREFIX}/etl.py",
    f"{DAGS_PREFIX}/team_a/report.py",
    f"{DAGS_PREFIX}/team_a/sql/daily.sql",
]


class TestSyncDags:
    """sync_dags makes the prefix mirror the DAG folder and touches nothing else."""

    def test_should_upload_nested_files_and_never_caches(self, s3, bucket, tmp_path):
        plan = sync_dags(s3, write_tree(tmp_path / "dags", DAGS), bucket, DAGS_PREFIX, report=lambda _: None)

        assert plan.upload == SHIPPED
        assert keys(s3, bucket) == SHIPPED
        body = s3.get_object(Bucket=bucket, Key=f"{DAGS_PREFIX}/team_a/sql/daily.sql")["Body"].read()
        assert body == b"select 1;\n"

    def test_should_keep_the_driving_service_dags(self, s3, bucket, tmp_path):
        """pipeline_service delivers one-shot DAGs under GENERATED_DAGS; a sync of dags/ must not delete them."""
        generated = f"{GENERATED_DAGS}/run_churn_acme.py"
        s3.put_object(Bucket=bucket, Key=generated, Body=b"# generated\n")

        plan = sync_dags(s3, write_tree(tmp_path / "dags", DAGS), bucket, DAGS_PREFIX, report=lambda _: None)

        assert generated not in plan.delete
        assert generated in keys(s3, bucket)

    def test_should_skip_unchanged_files_without_writing_a_version(self, s3, bucket, tmp_path):
        source = write_tree(tmp_path / "dags", DAGS)
        sync_dags(s3, source, bucket, DAGS_PREFIX, report=lambda _: None)
        before = object_versions(s3, bucket)

        plan = sync_dags(s3, source, bucket, DAGS_PREFIX, report=lambda _: None)

        assert (plan.upload, plan.delete, plan.unchanged) == ([], [], SHIPPED)
        assert object_versions(s3, bucket) == before

    def test_should_upload_changed_and_delete_removed_files_only(self, s3, bucket, tmp_path):
        source = write_tree(tmp_path / "dags", DAGS)
        sync_dags(s3, source, bucket, DAGS_PREFIX, report=lambda _: None)
        (source / "etl.py").write_text("from airflow.sdk import dag, task\n")
        (source / "team_a" / "report.py").unlink()

        plan = sync_dags(s3, source, bucket, DAGS_PREFIX, report=lambda _: None)

        assert plan.upload == [f"{DAGS_PREFIX}/etl.py"]
        assert plan.delete == [f"{DAGS_PREFIX}/team_a/report.py"]
        assert keys(s3, bucket) == [key for key in SHIPPED if key != f"{DAGS_PREFIX}/team_a/report.py"]
        body = s3.get_object(Bucket=bucket, Key=f"{DAGS_PREFIX}/etl.py")["Body"].read()
        assert body == b"from airflow.sdk import dag, task\n"

    def test_should_leave_objects_outside_the_prefix_and_folder_markers_alone(self, s3, bucket, tmp_path):
        outside = [
            ARTIFACT_KEYS["requirements"],
            ARTIFACT_KEYS["plugins"],
            f"{DAGS_PREFIX}-archive/old.py",
            f"{DAGS_PREFIX}/",
        ]
        for key in outside:
            s3.put_object(Bucket=bucket, Key=key, Body=b"" if key.endswith("/") else b"not a DAG")
        s3.put_object(Bucket=bucket, Key=f"{DAGS_PREFIX}/stale.py", Body=b"removed locally")

        plan = sync_dags(s3, write_tree(tmp_path / "dags", DAGS), bucket, f"{DAGS_PREFIX}/", report=lambda _: None)

        assert plan.delete == [f"{DAGS_PREFIX}/stale.py"]
        assert keys(s3, bucket) == sorted([*outside, *SHIPPED])

    def test_dry_run_should_report_the_plan_and_change_nothing(self, s3, bucket, tmp_path):
        s3.put_object(Bucket=bucket, Key=f"{DAGS_PREFIX}/stale.py", Body=b"removed locally")
        source = write_tree(tmp_path / "dags", {"etl.py": "x = 1\n"})
        before = object_versions(s3, bucket)
        lines: list[str] = []

        sync_dags(s3, source, bucket, DAGS_PREFIX, dry_run=True, report=lines.append)

        assert lines == [
            f"would upload s3://{bucket}/{DAGS_PREFIX}/etl.py",
            f"would delete s3://{bucket}/{DAGS_PREFIX}/stale.py",
            "dry run: 1 to upload, 0 unchanged, 1 to delete; nothing changed",
        ]
        assert object_versions(s3, bucket) == before


class TestUnchangedDetection:
    """ETags of multipart or SSE-KMS uploads are not MD5s: the sha256 metadata decides then."""

    @staticmethod
    def multipart_upload(s3, bucket: str, key: str, data: bytes, metadata: dict[str, str]) -> None:
        upload = s3.create_multipart_upload(Bucket=bucket, Key=key, Metadata=metadata)
        part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=data)
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
        )

    def test_should_skip_a_non_md5_etag_object_whose_sha256_metadata_matches(self, s3, bucket, tmp_path):
        data = b"from airflow.sdk import dag\n"
        self.multipart_upload(s3, bucket, f"{DAGS_PREFIX}/etl.py", data, {"sha256": hashlib.sha256(data).hexdigest()})
        assert "-" in s3.head_object(Bucket=bucket, Key=f"{DAGS_PREFIX}/etl.py")["ETag"]

        plan = sync_dags(
            s3, write_tree(tmp_path / "dags", {"etl.py": data.decode()}), bucket, DAGS_PREFIX, report=lambda _: None
        )

        assert (plan.upload, plan.unchanged) == ([], [f"{DAGS_PREFIX}/etl.py"])

    def test_should_upload_a_same_size_object_it_cannot_prove_equal(self, s3, bucket, tmp_path):
        data = b"from airflow.sdk import dag\n"
        self.multipart_upload(s3, bucket, f"{DAGS_PREFIX}/etl.py", data, {})

        plan = sync_dags(
            s3, write_tree(tmp_path / "dags", {"etl.py": data.decode()}), bucket, DAGS_PREFIX, report=lambda _: None
        )

        assert plan.upload == [f"{DAGS_PREFIX}/etl.py"]
        metadata = s3.head_object(Bucket=bucket, Key=f"{DAGS_PREFIX}/etl.py")["Metadata"]
        assert metadata == {"sha256": hashlib.sha256(data).hexdigest()}


class TestRefusals:
    """Bad targets fail before anything is written, naming the setting and the fix."""

    @pytest.mark.parametrize("prefix", ["", "/", " ", f"{DAGS_PREFIX}/../"])
    def test_should_refuse_a_prefix_that_is_not_a_folder(self, s3, bucket, tmp_path, prefix):
        with pytest.raises(DeployError, match=r"must name the DAG folder.*Fix: pass PREFIX=dags"):
            sync_dags(s3, write_tree(tmp_path / "dags", DAGS), bucket, prefix, report=lambda _: None)
        assert keys(s3, bucket) == []

    def test_should_name_a_missing_bucket(self, s3, tmp_path):
        with pytest.raises(DeployError, match=r"bucket 'airflow-absent' does not exist\. Fix: check BUCKET"):
            sync_dags(s3, write_tree(tmp_path / "dags", DAGS), "airflow-absent", DAGS_PREFIX, report=lambda _: None)

    def test_should_name_a_missing_source_folder(self, s3, bucket, tmp_path):
        with pytest.raises(DeployError, match=r"DAG folder .*nowhere does not exist\. Fix: pass SOURCE="):
            sync_dags(s3, tmp_path / "nowhere", bucket, DAGS_PREFIX, report=lambda _: None)

    def test_should_point_to_bucket_when_the_pulumi_cli_is_missing(self, tmp_path):
        expected = r"the pulumi CLI is not on PATH, so stack 'mwaa' can't be read\. Fix: .* or pass BUCKET="
        with pytest.raises(DeployError, match=expected):
            stack_target("mwaa", tmp_path, pulumi="pulumi-absent")

    def test_should_take_bucket_and_prefix_from_an_mwaa_stack_only(self):
        mwaa = {"dagsBucket": "airflow-mwaa-dags", "dagsS3Uri": f"s3://airflow-mwaa-dags/{DAGS_PREFIX}"}
        eks = {"logsBucket": "airflow-dev-logs", "kubeconfig": "…"}

        assert target_from_outputs("mwaa", mwaa) == ("airflow-mwaa-dags", DAGS_PREFIX)
        with pytest.raises(DeployError, match=r"stack 'dev' is not a deployed MWAA stack \(no dagsS3Uri output"):
            target_from_outputs("dev", eks)
        with pytest.raises(DeployError, match=r"dagsS3Uri is 'airflow-mwaa-dags/dags', not s3://"):
            target_from_outputs("mwaa", {"dagsS3Uri": "airflow-mwaa-dags/dags"})


class TestCommandLine:
    """`python -m mwaa deploy-dags`, as the Makefile runs it, against the same moto server."""

    def run(self, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mwaa", "deploy-dags", *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def test_should_sync_then_report_nothing_to_do(self, aws_env, s3, bucket, tmp_path):
        env = {"PATH": "/usr/bin:/bin", **aws_env}
        source = str(write_tree(tmp_path / "dags", DAGS))

        dry = self.run(env, "--bucket", bucket, "--source", source, "--dry-run")
        first = self.run(env, "--bucket", bucket, "--source", source)
        second = self.run(env, "--bucket", bucket, "--source", source)

        assert dry.returncode == 0, dry.stderr
        assert dry.stdout.splitlines()[-1] == ("dry run: 4 to upload, 0 unchanged, 0 to delete; nothing changed")
        assert first.returncode == 0, first.stderr
        assert f"upload s3://{bucket}/{DAGS_PREFIX}/team_a/sql/daily.sql" in first.stdout.splitlines()
        assert second.stdout.strip() == f"synced s3://{bucket}/{DAGS_PREFIX}/: 0 uploaded, 4 unchanged, 0 deleted"
        assert keys(s3, bucket) == SHIPPED

    def test_should_fail_clearly_without_a_target(self, aws_env):
        done = self.run({"PATH": "/usr/bin:/bin", **aws_env})

        assert done.returncode == 1
        assert "error: no target: pass STACK=<mwaa stack>" in done.stderr
        assert "or BUCKET=<the MWAA source bucket>" in done.stderr

    def test_make_deploy_dags_should_sync_the_repository_dags_to_the_stack_uri(self, aws_env, s3, bucket, tmp_path):
        # The pulumi CLI can't run here (no engine binary is reachable); this stand-in answers the one call the
        # target makes, and fails on any other.
        stand_in = tmp_path / "bin" / "pulumi"
        stand_in.parent.mkdir()
        stand_in.write_text(
            "#!/bin/sh\n"
            f'[ "$*" = "stack output --json --stack mwaa --cwd {REPO_ROOT}" ] '
            '|| { echo "unexpected: $*" >&2; exit 2; }\n'
            f'echo \'{{"dagsBucket": "{bucket}", "dagsS3Uri": "s3://{bucket}/{DAGS_PREFIX}"}}\'\n'
        )
        stand_in.chmod(0o755)
        env = {**aws_env, "PATH": f"{stand_in.parent}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", "/")}
        shipped = [f"s3://{bucket}/{DAGS_PREFIX}/{path}" for path in source_files(REPO_ROOT / "dags")]
        assert shipped, "the repository has no DAG file to ship"

        done = subprocess.run(
            ["make", "--no-print-directory", "-o", ".venv/.synced", "deploy-dags", "STACK=mwaa"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

        assert done.returncode == 0, done.stderr
        assert [
            line.removeprefix("upload ") for line in done.stdout.splitlines() if line.startswith("upload ")
        ] == shipped
        assert keys(s3, bucket) == [uri.removeprefix(f"s3://{bucket}/") for uri in shipped]
