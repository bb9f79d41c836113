"""The upgrade rehearsal for real: Airflow of the previous minor (PyPI, uv) on a fresh PostgreSQL, then the pinned
version's `airflow db migrate`; history, XComs, connections and variables intact, the DAGs run again.

CI-sized: two of the rehearsal's DAGs (plain and mapped XComs), since each `airflow dags test` costs 15-30 s per
version on a loaded 2-core box; `make upgrade-rehearsal` runs them all. The migration itself is the same."""

from __future__ import annotations

import pytest

from airflow_settings.versions import AIRFLOW_VERSION
from ops.__main__ import main as ops_main
from ops.upgrade_rehearsal import PREVIOUS_MINOR, rehearse

CI_DAGS = ("taskflow_etl", "example_dynamic_mapping")


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (AIRFLOW_VERSION, f"is not older than the pinned Airflow {AIRFLOW_VERSION}"),
        ("2.10.5", "is not an Airflow 3 release"),
        ("3.2", "is not an Airflow 3 release"),
    ],
    ids=["pinned", "airflow-2", "not-a-release"],
)
def test_should_refuse_a_from_version_it_cannot_rehearse(capsys, version, message):
    status = ops_main(["upgrade-rehearsal", "--from", version])
    assert (status, message in capsys.readouterr().err) == (2, True)


def test_rehearsal_migrates_the_previous_minor_with_everything_intact():
    rehearsal = rehearse(PREVIOUS_MINOR, dag_ids=CI_DAGS)
    history = rehearsal.history_after
    assert {run[0] for run in history["runs"]} == set(CI_DAGS)
    assert any(ti[3] >= 0 for ti in history["task instances"]), "no mapped task instance was carried over"
    assert all(run[2] == "success" for run in history["runs"]), history["runs"]
    assert history["xcoms"], "the DAGs left no XCom to carry over"
    assert f"migrate to Airflow {AIRFLOW_VERSION}" in rehearsal.timings
    print("\n" + "\n".join(f"{seconds:6.1f} s  {step}" for step, seconds in rehearsal.timings.items()))
