#!/usr/bin/env python3
"""Helm post-renderer of the Airflow release: each Job's name ends in a digest of its own manifest.

The chart names its migration and first-admin Jobs `airflow-run-airflow-migrations` and `airflow-create-user`,
whatever the release, and a Job's pod template is immutable: an upgrade that changes it (a new image digest, new
env) while the previous Job still exists fails with "field is immutable". Helm hooks would avoid that, but a hook
runs after the wait that our atomic release does, and the Airflow pods wait for the migration: a deadlock. Renamed
by content, an upgrade that changes a Job creates a new one and Helm deletes the old one, which is no longer in
the release; an upgrade that doesn't change it keeps it, finished, with its logs. Two upgrades in a row both
succeed, however close.

The workloads stage hands this file to the Release as its post-renderer (airflow_chart.py); Helm pipes the
rendered manifests through it (stdin to stdout). Standard library only: Helm runs it with whichever python3 is
first on the deployer's PATH, outside the program's environment.
https://helm.sh/docs/topics/advanced/#post-rendering
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

POST_RENDERER = Path(__file__).resolve()
DIGEST_LENGTH = 10
"""Hex digits of sha256 appended to a Job's name: 40 bits, so two different manifests never share one."""
MAX_JOB_NAME = 63
"""Kubernetes copies a Job's name into its pods' `job-name` label, whose values are at most 63 characters."""
DOCUMENT_START = re.compile(r"^---[ \t]*$", re.MULTILINE)
JOB_KIND = re.compile(r"^apiVersion: batch/v1\nkind: Job$", re.MULTILINE)
JOB_NAME = re.compile(r"^(metadata:\n  name: )(\S+)$", re.MULTILINE)
SUFFIXED = re.compile(rf"-[0-9a-f]{{{DIGEST_LENGTH}}}$")


class UnexpectedManifest(ValueError):
    """A Job document this post-renderer can't rename as the chart renders it."""


def digested_name(name: str, manifest: str) -> str:
    """`name` plus the first DIGEST_LENGTH hex digits of the manifest's sha256."""
    renamed = f"{name}-{hashlib.sha256(manifest.encode()).hexdigest()[:DIGEST_LENGTH]}"
    if len(renamed) > MAX_JOB_NAME:
        raise UnexpectedManifest(f"Job {name}: {renamed!r} would exceed Kubernetes' {MAX_JOB_NAME} characters")
    return renamed


def base_name(name: str) -> str:
    """A renamed Job's name as the chart gave it."""
    return SUFFIXED.sub("", name)


def renamed_jobs(manifests: str) -> str:
    """The rendered manifests with every top-level batch/v1 Job renamed by its own content; the rest unchanged."""
    starts = [match.start() for match in DOCUMENT_START.finditer(manifests)]
    bounds = zip([0, *starts], [*starts, len(manifests)], strict=True)
    return "".join(_renamed(manifests[start:end]) for start, end in bounds)


def _renamed(document: str) -> str:
    if not JOB_KIND.search(document):
        return document
    found = JOB_NAME.search(document)
    if found is None:
        raise UnexpectedManifest(f"a Job without `metadata:` then `  name:` in:\n{document[:500]}")
    return document[: found.start(2)] + digested_name(found[2], document) + document[found.end(2) :]


def main() -> int:
    try:
        sys.stdout.write(renamed_jobs(sys.stdin.read()))
    except UnexpectedManifest as err:
        print(f"{POST_RENDERER.name}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
