"""Fixtures: the committed stacks the pack checks, built once per session (tests/infra/example_stacks.py)."""

from tests.infra.example_stacks import dev_stack, mwaa_stack, prod_stack  # noqa: F401 (fixtures)
