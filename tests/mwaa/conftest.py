"""Fixtures for the MWAA tests: the suite's moto server (tests/conftest.py) and a fresh versioned bucket per test."""

from __future__ import annotations

import uuid

import boto3
import pytest


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> dict[str, str]:
    """Dummy credentials and the moto endpoint for this test only; boto3 honours AWS_ENDPOINT_URL."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def s3(aws_env: dict[str, str]):
    return boto3.client("s3")


@pytest.fixture
def bucket(s3) -> str:
    """A versioned bucket named like the MWAA ones (airflow- prefix), unique to the test."""
    name = f"airflow-mwaa-test-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name
