"""Fixtures: each committed stack, built once per session under the mock runtime (example_stacks.py)."""

from tests.infra.example_stacks import dev_stack, eks_stack, mwaa_stack, prod_stack  # noqa: F401 (fixtures)
