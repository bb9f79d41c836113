"""Fixtures: the committed stacks whose recorded release values some chart tests read (tests/infra/example_stacks.py).

Most chart values tests are pure: they call chart_values() through chart_utils.render() with no stack at all.
"""

from tests.infra.example_stacks import dev_stack, eks_stack, prod_stack  # noqa: F401 (fixtures)
