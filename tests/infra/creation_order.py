"""What the engine orders each resource after, computed from the registrations the mock monitor recorded.

Mocks create every resource at once, so an ordering need (objects after the bucket's versioning, the release
after the node groups) shows only in what each registration waits for. A registration waits for:
- every URN in its `dependencies` (explicit depends_on plus property dependencies) and `property_dependencies`;
- its parent: the SDK awaits the parent's URN before registering (pulumi/runtime/resource.py
  `_prepare_resource`), and the engine answers a custom resource's registration only once it exists. A child
  therefore waits for a custom parent and for whatever any parent waits for;
- its explicit providers (the SDK awaits their URN and id), and so what they wait for.
Waiting is transitive. Waiting on a local component means waiting on all of its children, recursively through
child components (the SDK expands it that way before the monitor sees it: pulumi/runtime/rpc.py
`_add_dependency`); a remote component (eks:index:Cluster) is one node, since its registration returns only
once its children exist. https://www.pulumi.com/docs/iac/concepts/resources/options/dependson/
"""

from __future__ import annotations

from tests.infra.harness import Built, Recorded


def awaited_by(built: Built, waiter: Recorded) -> set[str]:
    """The URNs of every resource `waiter`'s registration waits for, directly or transitively: custom resources
    and remote components (a local component is passed through, as it has nothing to create)."""
    by_urn = {resource.urn: resource for resource in built.resources}
    awaited: set[str] = set()
    pending = [waiter]
    while pending:
        node = pending.pop()
        direct = {
            urn
            for dependency in (
                *node.dependencies,
                *(urn for urns in node.property_dependencies.values() for urn in urns),
                *node.providers,
            )
            for urn in _meaning_of_waiting_on(built, dependency)
        }
        if node.parent in by_urn:
            direct.add(node.parent)
        for urn in direct - awaited:
            awaited.add(urn)
            if urn in by_urn:
                pending.append(by_urn[urn])
    return {urn for urn in awaited if _meaning_of_waiting_on(built, urn) == {urn}}


def waits_for(built: Built, waiter: Recorded, awaited: Recorded) -> bool:
    """Whether the engine creates `awaited` before `waiter`. A component on either side stands for all of its
    custom descendants: a waiting component waits only if each of them does."""
    targets = _meaning_of_waiting_on(built, awaited.urn)
    waiters = _meaning_of_waiting_on(built, waiter.urn)
    assert targets and waiters, f"{awaited.name} or {waiter.name} is a component with no resources to order"
    return all(targets <= awaited_by(built, built.by_urn(urn)) for urn in waiters)


def assert_waits_for(built: Built, waiter: Recorded, awaited: Recorded) -> None:
    """Fails naming both resources and what `waiter` does wait for."""
    if not waits_for(built, waiter, awaited):
        names = sorted(built.by_urn(urn).name for urn in awaited_by(built, waiter) if _recorded(built, urn))
        raise AssertionError(
            f"{waiter.type} {waiter.name!r} is not created after {awaited.type} {awaited.name!r}; "
            f"it waits only for {names}"
        )


def _meaning_of_waiting_on(built: Built, urn: str) -> set[str]:
    """A custom resource or remote component stands for itself; a local component for its custom
    descendants (an unrecorded URN, such as the stack's, for itself)."""
    if not _recorded(built, urn) or built.by_urn(urn).custom or built.by_urn(urn).remote:
        return {urn}
    return {
        descendant
        for child in built.resources
        if child.parent == urn
        for descendant in _meaning_of_waiting_on(built, child.urn)
    }


def _recorded(built: Built, urn: str) -> bool:
    return any(resource.urn == urn for resource in built.resources)
