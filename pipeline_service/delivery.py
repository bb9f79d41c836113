"""Deliver a gated DAG file to the DAG source a target's dag-processor reads, and take it away again.

- LocalFolder: a DAG folder on this machine (`make dev`, the native stack, a shared volume). The file appears by
  an atomic rename, so the dag-processor never parses half a file.
- GitRepository: the repository a GitDagBundle or git-sync tracks (EKS): one commit per change, pushed.
- S3Prefix: MWAA's DAG folder in its source bucket, through mwaa/deploy.py's upload and delete, so a generated
  file carries the same checksum metadata as `make deploy-dags` writes.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import git

from mwaa.deploy import LocalFile, SyncPlan, apply_plan, normalise_prefix


class DagSource(Protocol):
    """Where one target's DAG files live."""

    def deliver(self, file_name: str, source: str) -> None: ...

    def remove(self, file_name: str) -> None:
        """Take the file away; a file that is already gone is not an error."""
        ...


@dataclass(frozen=True)
class LocalFolder:
    folder: Path

    def deliver(self, file_name: str, source: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # A dot-name without .py: the dag-processor lists neither, so it only ever sees the finished file.
        descriptor, partial = tempfile.mkstemp(prefix=f".{file_name}.", suffix=".partial", dir=self.folder)
        with os.fdopen(descriptor, "w") as stream:
            stream.write(source)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(partial, 0o644)
        os.replace(partial, self.folder / file_name)

    def remove(self, file_name: str) -> None:
        (self.folder / file_name).unlink(missing_ok=True)


@dataclass(frozen=True)
class GitRepository:
    """`folder` is the DAG folder inside the repository (the bundle's subdir, e.g. dags/generated)."""

    url: str
    branch: str = "main"
    folder: str = "dags/generated"
    author_name: str = "pipeline-service"
    author_email: str = "pipeline-service@localhost"

    def deliver(self, file_name: str, source: str) -> None:
        self._commit(file_name, source, f"Add one-shot DAG {file_name}")

    def remove(self, file_name: str) -> None:
        self._commit(file_name, None, f"Remove finished one-shot DAG {file_name}")

    def _commit(self, file_name: str, source: str | None, message: str) -> None:
        with tempfile.TemporaryDirectory(prefix="pipeline-service-git-") as clone_dir:
            repo = git.Repo.clone_from(self.url, clone_dir, branch=self.branch, depth=1)
            path = Path(clone_dir) / self.folder / file_name
            if source is None:
                if not path.exists():
                    return
                repo.index.remove([str(path)], working_tree=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(source)
                repo.index.add([str(path)])
            author = git.Actor(self.author_name, self.author_email)
            repo.index.commit(message, author=author, committer=author)
            # A push refused because another change landed first fails loudly; the caller's request fails with it.
            repo.git.push("origin", f"HEAD:{self.branch}")


@dataclass(frozen=True)
class S3Prefix:
    """`prefix` is MWAA's dag_s3_path (or a folder inside it, e.g. dags/generated)."""

    s3: Any
    bucket: str
    prefix: str

    def _key(self, file_name: str) -> str:
        return f"{normalise_prefix(self.prefix)}/{file_name}"

    def deliver(self, file_name: str, source: str) -> None:
        with tempfile.TemporaryDirectory(prefix="pipeline-service-s3-") as staging:
            path = Path(staging) / file_name
            path.write_text(source)
            key = self._key(file_name)
            apply_plan(self.s3, SyncPlan(upload=[key]), {key: LocalFile.read(path)}, self.bucket)

    def remove(self, file_name: str) -> None:
        apply_plan(self.s3, SyncPlan(delete=[self._key(file_name)]), {}, self.bucket)
