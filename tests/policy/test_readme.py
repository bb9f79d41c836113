"""The README's Security section lists every rule of the pack with its enforcement level."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy.airflow_aws_policies import rules_table

pytestmark = pytest.mark.infra

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_shows_the_current_rules_table():
    assert rules_table() in README.read_text(), (
        "README.md's Security section is out of date: paste the output of "
        "`.venv-infra/bin/python -c 'import policy.airflow_aws_policies as p; print(p.rules_table())'`"
    )
