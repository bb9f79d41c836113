"""The creation-order helper (creation_order.py) on a tiny program whose order is known by construction."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from tests.infra.creation_order import assert_waits_for, awaited_by, waits_for
from tests.infra.harness import Built, run_under_mocks

pytestmark = pytest.mark.infra


class Outer(pulumi.ComponentResource):
    """A bucket and a nested component with a bucket of its own."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Outer", name, None, opts)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", opts=pulumi.ResourceOptions(parent=self))
        Inner(f"{name}-inner", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


class Inner(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Inner", name, None, opts)
        aws.s3.Bucket(f"{name}-bucket", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def _program() -> None:
    first = aws.s3.Bucket("first")
    # A property dependency, and through it a transitive one.
    versioning = aws.s3.BucketVersioning("versioning", bucket=first.id, versioning_configuration={"status": "Enabled"})
    aws.s3.BucketPolicy("policy", bucket=versioning.bucket, policy="{}")
    # An explicit dependency on a component: on every bucket inside it.
    outer = Outer("outer")
    aws.s3.Bucket("after-outer", opts=pulumi.ResourceOptions(depends_on=[outer]))
    # A component that waits: its children wait through their parent.
    Outer("late", opts=pulumi.ResourceOptions(depends_on=[versioning]))
    # A child of a custom resource waits for it.
    aws.s3.BucketPublicAccessBlock("block", bucket="fixed", opts=pulumi.ResourceOptions(parent=first))
    # A resource waits for its explicit provider and what the provider's inputs came from.
    region_source = aws.s3.Bucket("region-source")
    provider = aws.Provider("provider", region=region_source.bucket)
    aws.s3.Bucket("through-provider", opts=pulumi.ResourceOptions(provider=provider))
    aws.s3.Bucket("unrelated")


@pytest.fixture(scope="module")
def tiny() -> Built:
    return run_under_mocks("order", {}, _program)


def _named(built: Built, name: str):
    (found,) = [resource for resource in built.resources if resource.name == name]
    return found


@pytest.mark.parametrize(
    ("waiter", "awaited"),
    [
        ("versioning", "first"),
        ("policy", "versioning"),
        ("policy", "first"),
        ("after-outer", "outer-bucket"),
        ("after-outer", "outer-inner-bucket"),
        ("after-outer", "outer"),
        ("late-bucket", "versioning"),
        ("late-inner-bucket", "first"),
        ("late", "versioning"),
        ("block", "first"),
        ("through-provider", "provider"),
        ("through-provider", "region-source"),
    ],
)
def test_should_see_each_kind_of_wait(tiny: Built, waiter: str, awaited: str):
    assert waits_for(tiny, _named(tiny, waiter), _named(tiny, awaited))


@pytest.mark.parametrize(
    ("waiter", "awaited"),
    [
        ("first", "versioning"),
        ("unrelated", "first"),
        ("versioning", "outer-bucket"),
        ("outer-bucket", "first"),
        ("late", "outer"),
        ("policy", "region-source"),
    ],
)
def test_should_not_invent_a_wait(tiny: Built, waiter: str, awaited: str):
    assert not waits_for(tiny, _named(tiny, waiter), _named(tiny, awaited))


def test_should_record_what_the_monitor_receives(tiny: Built):
    """The SDK sends a component's custom descendants, never the component, and property dependencies by
    input name (they are also in `dependencies`)."""
    after_outer = _named(tiny, "after-outer")
    assert set(after_outer.dependencies) == {_named(tiny, n).urn for n in ("outer-bucket", "outer-inner-bucket")}
    policy = _named(tiny, "policy")
    assert policy.property_dependencies["bucket"] == (_named(tiny, "versioning").urn,)
    assert set(policy.dependencies) == {_named(tiny, "versioning").urn}
    assert _named(tiny, "through-provider").providers == (_named(tiny, "provider").urn,)


def test_should_count_components_only_through_their_resources(tiny: Built):
    assert _named(tiny, "outer").urn not in awaited_by(tiny, _named(tiny, "after-outer"))


def test_should_name_both_sides_when_a_wait_is_missing(tiny: Built):
    with pytest.raises(AssertionError, match=r"'unrelated' is not created after .*'first'; it waits only for \[\]"):
        assert_waits_for(tiny, _named(tiny, "unrelated"), _named(tiny, "first"))
