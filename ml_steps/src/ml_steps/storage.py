"""Read and write a step's inputs and outputs: a local path, or `s3://bucket/key` with the pod's own AWS identity."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse


def _s3_location(location: str) -> tuple[str, str] | None:
    parsed = urlparse(location)
    if parsed.scheme != "s3":
        return None
    if not parsed.netloc or not parsed.path.strip("/"):
        raise ValueError(f"{location!r} is not s3://<bucket>/<key>")
    return parsed.netloc, parsed.path.lstrip("/")


def _s3():
    # boto3's default chain: on EKS the web identity token the pod's service account (IRSA) gets, so no key is
    # ever passed in; elsewhere whatever the environment configures.
    import boto3

    return boto3.client("s3")


def read_text(location: str) -> str:
    if s3 := _s3_location(location):
        bucket, key = s3
        return _s3().get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return Path(location).read_text()


def write_text(location: str, text: str) -> None:
    if s3 := _s3_location(location):
        bucket, key = s3
        _s3().put_object(Bucket=bucket, Key=key, Body=text.encode(), ContentType="application/json")
        return
    path = Path(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
