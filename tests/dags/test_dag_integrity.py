"""Gates every file in dags/ must pass: imports cleanly, meets the platform policies, parses within budget."""

from __future__ import annotations

import pytest

from dag_gates import dag_files, import_violations, parse_budget_s, parse_time_violations, policy_violations
from tests.dags.conftest import DAGS_FOLDER

DAG_FILES = dag_files(DAGS_FOLDER)


def _ids(paths):
    return [str(path.relative_to(DAGS_FOLDER.parent)) for path in paths]


def _for_file(violations, path):
    name = str(path.relative_to(DAGS_FOLDER.parent))
    return [str(violation) for violation in violations if violation.file == name]


def test_dags_folder_has_dags(dag_bag):
    assert dag_bag.dags, f"no DAG was found in {DAGS_FOLDER}"


@pytest.mark.parametrize("path", DAG_FILES, ids=_ids(DAG_FILES))
def test_file_imports_without_errors(dag_bag, path):
    problems = _for_file(import_violations(dag_bag, DAGS_FOLDER), path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", DAG_FILES, ids=_ids(DAG_FILES))
def test_file_dags_meet_platform_policies(dag_bag, path):
    problems = [
        str(violation)
        for dag in dag_bag.dags.values()
        if dag.fileloc == str(path)
        for violation in policy_violations(dag, DAGS_FOLDER)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", DAG_FILES, ids=_ids(DAG_FILES))
def test_file_parses_within_budget(dag_bag, path):
    problems = _for_file(parse_time_violations(dag_bag, DAGS_FOLDER, parse_budget_s()), path)
    assert not problems, "\n".join(problems)
