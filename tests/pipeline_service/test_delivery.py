"""Each DAG source takes a file and gives it back: a local folder atomically, git as commits, S3 as deploy-dags does."""

from __future__ import annotations

import subprocess

import boto3
import git
import pytest

from mwaa.deploy import SHA256_METADATA, LocalFile
from pipeline_service.delivery import GitRepository, LocalFolder, S3Prefix

SOURCE = '"""A generated DAG."""\n'


class TestLocalFolder:
    """The file appears whole, by rename; nothing half-written is ever left for the dag-processor."""

    def test_should_write_the_file_and_leave_no_partial_behind(self, tmp_path):
        LocalFolder(tmp_path / "dags").deliver("one.py", SOURCE)
        assert [path.name for path in (tmp_path / "dags").iterdir()] == ["one.py"]
        assert (tmp_path / "dags" / "one.py").read_text() == SOURCE

    def test_should_replace_a_file_in_one_step(self, tmp_path):
        folder = LocalFolder(tmp_path)
        folder.deliver("one.py", "old\n")
        inode = (tmp_path / "one.py").stat().st_ino
        folder.deliver("one.py", SOURCE)
        assert (tmp_path / "one.py").read_text() == SOURCE
        assert (tmp_path / "one.py").stat().st_ino != inode, "a rename, not an in-place rewrite"

    def test_should_remove_and_accept_a_file_already_gone(self, tmp_path):
        folder = LocalFolder(tmp_path)
        folder.deliver("one.py", SOURCE)
        folder.remove("one.py")
        folder.remove("one.py")
        assert not list(tmp_path.iterdir())


class TestGitRepository:
    """One commit per delivery or removal on the tracked branch, in the bundle's folder."""

    @pytest.fixture
    def remote(self, tmp_path) -> str:
        bare = tmp_path / "dags.git"
        subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
        seed = git.Repo.init(tmp_path / "seed", initial_branch="main")
        (tmp_path / "seed" / "README.md").write_text("DAGs\n")
        seed.index.add(["README.md"])
        seed.index.commit("Start", author=git.Actor("t", "t@localhost"), committer=git.Actor("t", "t@localhost"))
        seed.git.push(str(bare), "main")
        return str(bare)

    def files_on_main(self, remote: str) -> list[str]:
        tree = git.Repo(remote).commit("main").tree
        return sorted(item.path for item in tree.traverse() if item.type == "blob")

    def test_should_commit_the_file_into_the_bundle_folder(self, remote):
        GitRepository(remote, folder="dags/generated").deliver("one.py", SOURCE)

        assert self.files_on_main(remote) == ["README.md", "dags/generated/one.py"]
        head = git.Repo(remote).commit("main")
        assert head.message == "Add one-shot DAG one.py"
        assert head.author.name == "pipeline-service"

    def test_should_commit_the_removal_and_skip_a_file_already_gone(self, remote):
        repository = GitRepository(remote)
        repository.deliver("one.py", SOURCE)
        repository.remove("one.py")
        removal = git.Repo(remote).commit("main").hexsha
        repository.remove("one.py")

        assert self.files_on_main(remote) == ["README.md"]
        assert git.Repo(remote).commit("main").hexsha == removal, "no empty commit for a file already gone"


class TestS3Prefix:
    """Uploads carry the sha256 metadata `make deploy-dags` writes, so a later sync sees them as unchanged."""

    @pytest.fixture
    def s3(self, aws):
        client = boto3.client("s3")
        client.create_bucket(Bucket="mwaa-source")
        return client

    def test_should_upload_under_the_prefix_with_the_files_sha256(self, s3, tmp_path):
        S3Prefix(s3, "mwaa-source", "dags/generated/").deliver("one.py", SOURCE)

        stored = s3.get_object(Bucket="mwaa-source", Key="dags/generated/one.py")
        assert stored["Body"].read().decode() == SOURCE
        (tmp_path / "one.py").write_text(SOURCE)
        assert stored["Metadata"][SHA256_METADATA] == LocalFile.read(tmp_path / "one.py").sha256

    def test_should_delete_the_object(self, s3):
        prefix = S3Prefix(s3, "mwaa-source", "dags/generated")
        prefix.deliver("one.py", SOURCE)
        prefix.remove("one.py")
        prefix.remove("one.py")
        assert s3.list_objects_v2(Bucket="mwaa-source").get("KeyCount") == 0
