"""Fixtures: each committed stack, built once per session under the mock runtime (example_stacks.py)."""

from tests.infra.example_stacks import (  # noqa: F401 (fixtures)
    dev_stack,
    eks_platform,
    eks_stack,
    eks_workloads,
    mwaa_stack,
    prod_stack,
)
