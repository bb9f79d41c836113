"""The pack as the Pulumi CLI runs it: `policy/__main__.py` under `python -m pulumi.policy`, over gRPC.

The CLI can't be installed here, so the test plays the engine's part: it starts the analyzer the same way
the CLI's `pulumi-analyzer-policy-python` does, reads the port it prints, and sends it resources.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policy.airflow_aws_policies import PACK_NAME, POLICIES

pytestmark = pytest.mark.infra

REPO_ROOT = Path(__file__).resolve().parents[2]
MANDATORY = analyzer_pb2.EnforcementLevel.Value("MANDATORY")


@pytest.fixture(scope="module")
def analyzer():
    # The engine address is only parsed by pulumi.policy, never dialled, by a pack without config.
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "policy"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = _first_line(process, deadline=time.monotonic() + 60)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.wait(timeout=30)


def _first_line(process: subprocess.Popen, deadline: float) -> int:
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=1):
                line = process.stdout.readline().strip()
                if line.isdigit():
                    return int(line)
            if process.poll() is not None:
                break
    raise AssertionError(f"the policy pack did not start serving: {process.stderr.read() if process.poll() else ''}")


def _struct(props: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def test_pack_serves_every_rule_with_its_enforcement_level(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    served = {p.name: analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel).lower() for p in info.policies}
    assert info.name == PACK_NAME
    assert served == {p.name: p.enforcement_level.value for p in POLICIES}


def test_pack_blocks_a_public_unencrypted_database(analyzer):
    response = analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type="aws:rds/instance:Instance",
            name="metadata",
            urn="urn:pulumi:prod::airflow-aws::aws:rds/instance:Instance::metadata",
            properties=_struct(
                {
                    "engine": "postgres",
                    "publiclyAccessible": True,
                    "storageEncrypted": False,
                    "tags": {"environment": "prod"},
                }
            ),
        )
    )
    mandatory = {d.policyName for d in response.diagnostics if d.enforcementLevel == MANDATORY}
    assert {"rds-not-public", "rds-storage-encrypted", "rds-multi-az-in-prod"} <= mandatory


def test_pack_follows_a_bucket_to_its_versioning_resource(analyzer):
    def resource(type_: str, name: str, props: dict) -> analyzer_pb2.AnalyzerResource:
        return analyzer_pb2.AnalyzerResource(
            type=type_,
            name=name,
            urn=f"urn:pulumi:prod::airflow-aws::{type_}::{name}",
            properties=_struct(props),
        )

    bucket = resource("aws:s3/bucket:Bucket", "logs", {"bucket": "airflow-logs"})
    suspended = resource(
        "aws:s3/bucketVersioning:BucketVersioning",
        "logs-versioning",
        {"bucket": "airflow-logs", "versioningConfiguration": {"status": "Suspended"}},
    )
    enabled = resource(
        "aws:s3/bucketVersioning:BucketVersioning",
        "logs-versioning",
        {"bucket": "airflow-logs", "versioningConfiguration": {"status": "Enabled"}},
    )

    def versioning_violations(*resources) -> list[str]:
        response = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=list(resources)))
        return [d.urn for d in response.diagnostics if d.policyName == "s3-versioning"]

    assert versioning_violations(bucket, suspended) == [bucket.urn]
    assert versioning_violations(bucket, enabled) == []
