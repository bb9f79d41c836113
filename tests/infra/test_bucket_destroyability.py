"""dev stacks can be destroyed and created again; prod keeps its buckets' objects (presets.disposable)."""

from __future__ import annotations

import pytest

from tests.infra.example_stacks import STACKS, example_stack

pytestmark = pytest.mark.infra


@pytest.mark.parametrize("stack", STACKS)
def test_should_force_destroy_buckets_only_in_dev_stacks(stack: str):
    """S3 refuses to delete a bucket that holds objects (task logs, MWAA artifacts), so a dev `pulumi destroy`
    would stop there; prod must never lose them to a destroy."""
    built = example_stack(stack)
    expected = built.config["airflow-aws:size"] == "dev"
    buckets = built.of_type("aws:s3/bucket:Bucket")
    assert buckets and {b.name: b.inputs.get("forceDestroy", False) for b in buckets} == {
        b.name: expected for b in buckets
    }
