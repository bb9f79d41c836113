"""The steps' S3 runs use the example runs' moto wiring (dummy credentials, AWS_ENDPOINT_URL)."""

from tests.examples.conftest import aws  # noqa: F401
