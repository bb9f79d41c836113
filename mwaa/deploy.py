"""Sync a DAG folder to MWAA's DAG prefix in S3: upload new and changed files, skip the rest, delete removed.

MWAA copies `s3://<bucket>/<prefix>/` to its components about every 30 seconds, so the prefix must hold
exactly the DAG folder: a file left behind keeps its DAGs alive. Caches (`__pycache__`, `*.pyc`, ...) never
ship.

"Unchanged" is decided without downloading anything: same size and either the ETag equals the file's MD5 (a
plain single-part upload without KMS), or the object's `sha256` metadata, which every upload from here sets,
equals the file's SHA-256. The second case is what makes skipping work on SSE-KMS buckets, whose ETags are not
MD5s.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from mwaa.layout import DAGS_PREFIX, GENERATED_DAGS
from mwaa.sources import source_files

# The MWAA stack output `s3://<source bucket>/<dag_s3_path>`; only MWAA stacks export it.
DAGS_URI_OUTPUT = "dagsS3Uri"
SHA256_METADATA = "sha256"
_DELETE_BATCH = 1000  # DeleteObjects' per-call limit


class DeployError(RuntimeError):
    """The sync can't start or an S3 call failed; the message names the bucket or setting and the fix."""


@dataclass(frozen=True)
class LocalFile:
    path: Path
    size: int
    md5: str
    sha256: str

    @classmethod
    def read(cls, path: Path) -> LocalFile:
        data = path.read_bytes()
        return cls(path, len(data), hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest())


@dataclass
class SyncPlan:
    """What a sync does, as S3 keys: the dry run prints it, the real run carries it out."""

    upload: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)


def normalise_prefix(prefix: str) -> str:
    """`dags`, `dags/` and `/dags` all mean the folder `dags`; an empty prefix is refused."""
    cleaned = prefix.strip().strip("/")
    if not cleaned or ".." in PurePosixPath(cleaned).parts:
        raise DeployError(
            f"prefix {prefix!r} must name the DAG folder inside the bucket (MWAA's "
            f"dag_s3_path, {DAGS_PREFIX!r} in our stacks): syncing the bucket root would "
            f"delete the requirements, plugins and startup objects. Fix: pass PREFIX={DAGS_PREFIX}"
        )
    return cleaned


def _remote_objects(s3: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    """Objects under the prefix, except folder markers (`dags/`, as the S3 console creates): not files."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/"):
        yield from (obj for obj in page.get("Contents", []) if not obj["Key"].endswith("/"))


def _is_unchanged(s3: Any, bucket: str, remote: dict[str, Any], local: LocalFile) -> bool:
    if remote["Size"] != local.size:
        return False
    if remote["ETag"].strip('"') == local.md5:
        return True
    metadata = s3.head_object(Bucket=bucket, Key=remote["Key"]).get("Metadata", {})
    return metadata.get(SHA256_METADATA) == local.sha256


def plan_sync(s3: Any, source: Path, bucket: str, prefix: str) -> tuple[SyncPlan, dict[str, LocalFile]]:
    """Compare source with s3://bucket/prefix/ and return the plan plus the local files by key."""
    if not source.is_dir():
        raise DeployError(f"DAG folder {source} does not exist. Fix: pass SOURCE=<folder holding the DAG files>")
    prefix = normalise_prefix(prefix)
    local = {f"{prefix}/{relative}": LocalFile.read(source / relative) for relative in source_files(source)}
    plan = SyncPlan()
    try:
        remote = {obj["Key"]: obj for obj in _remote_objects(s3, bucket, prefix)}
        for key, file in local.items():
            unchanged = key in remote and _is_unchanged(s3, bucket, remote[key], file)
            (plan.unchanged if unchanged else plan.upload).append(key)
    except (ClientError, BotoCoreError) as err:
        raise _explain(err, bucket) from err
    # The driving service's DAGs are not in source but must survive the sync (mwaa.layout.GENERATED_DAGS).
    kept = f"{GENERATED_DAGS}/"
    plan.delete = sorted(key for key in set(remote) - set(local) if not key.startswith(kept))
    return plan, local


def apply_plan(s3: Any, plan: SyncPlan, local: dict[str, LocalFile], bucket: str) -> None:
    """Upload, then delete: a DAG moved between files is never absent from the bucket in between."""
    try:
        for key in plan.upload:
            file = local[key]
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=file.path.read_bytes(),
                ContentMD5=base64.b64encode(bytes.fromhex(file.md5)).decode(),
                Metadata={SHA256_METADATA: file.sha256},
            )
        for start in range(0, len(plan.delete), _DELETE_BATCH):
            batch = plan.delete[start : start + _DELETE_BATCH]
            answer = s3.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
            if errors := answer.get("Errors"):
                details = "; ".join(f"{e['Key']}: {e['Code']} {e.get('Message', '')}" for e in errors)
                raise DeployError(f"S3 refused to delete {len(errors)} object(s) in {bucket}: {details}")
    except (ClientError, BotoCoreError) as err:
        raise _explain(err, bucket) from err


def sync_dags(
    s3: Any,
    source: Path,
    bucket: str,
    prefix: str = DAGS_PREFIX,
    *,
    dry_run: bool = False,
    report: Callable[[str], None] = print,
) -> SyncPlan:
    """Make s3://bucket/prefix/ hold exactly source's files (caches excluded), reporting each change."""
    plan, local = plan_sync(s3, source, bucket, prefix)
    would = "would " if dry_run else ""
    for key in plan.upload:
        report(f"{would}upload s3://{bucket}/{key}")
    for key in plan.delete:
        report(f"{would}delete s3://{bucket}/{key}")
    if dry_run:
        report(
            f"dry run: {len(plan.upload)} to upload, {len(plan.unchanged)} unchanged, "
            f"{len(plan.delete)} to delete; nothing changed"
        )
    else:
        apply_plan(s3, plan, local, bucket)
        report(
            f"synced s3://{bucket}/{normalise_prefix(prefix)}/: {len(plan.upload)} uploaded, "
            f"{len(plan.unchanged)} unchanged, {len(plan.delete)} deleted"
        )
    return plan


def stack_target(stack: str, project_dir: Path, pulumi: str = "pulumi") -> tuple[str, str]:
    """(bucket, prefix) from `pulumi stack output` of that MWAA stack of the project in project_dir."""
    if shutil.which(pulumi) is None:
        raise DeployError(
            f"the pulumi CLI is not on PATH, so stack {stack!r} can't be read. Fix: install "
            "it (https://www.pulumi.com/docs/install/) or pass BUCKET=<the MWAA source bucket>"
        )
    command = [pulumi, "stack", "output", "--json", "--stack", stack, "--cwd", str(project_dir)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise DeployError(f"`{' '.join(command)}` failed: {done.stderr.strip()}. Fix: check STACK, or pass BUCKET=")
    return target_from_outputs(stack, json.loads(done.stdout or "{}"))


def target_from_outputs(stack: str, outputs: Mapping[str, Any]) -> tuple[str, str]:
    """(bucket, prefix) from an MWAA stack's dagsS3Uri output; any other stack is refused."""
    uri = outputs.get(DAGS_URI_OUTPUT)
    if uri is None:
        raise DeployError(
            f"stack {stack!r} is not a deployed MWAA stack (no {DAGS_URI_OUTPUT} output); EKS "
            "stacks read DAGs from git, not S3. Fix: STACK=<your target: mwaa stack>, e.g. "
            "STACK=mwaa, after `make deploy STACK=mwaa`, or pass BUCKET="
        )
    parsed = urlparse(str(uri))
    if parsed.scheme != "s3" or not parsed.netloc:
        raise DeployError(
            f"stack {stack!r}: {DAGS_URI_OUTPUT} is {uri!r}, not s3://<bucket>/<prefix>. "
            "Fix: redeploy the stack, or pass BUCKET= and PREFIX="
        )
    return parsed.netloc, normalise_prefix(parsed.path)


def _explain(err: ClientError | BotoCoreError, bucket: str) -> DeployError:
    if isinstance(err, ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        if code == "NoSuchBucket":
            return DeployError(
                f"bucket {bucket!r} does not exist. Fix: check BUCKET (or the stack's {DAGS_URI_OUTPUT} output)"
            )
        if code in {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"}:
            return DeployError(
                f"AWS refused access to bucket {bucket!r} ({code}). Fix: use credentials "
                "allowed s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on it"
            )
    return DeployError(f"S3 call on bucket {bucket!r} failed: {err}")
