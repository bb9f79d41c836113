"""Airflow → statsd_exporter (the chart's version and mappings) → Prometheus, on the native stack with every
real component, plus pgbouncer and Redis through their exporters: the series the rules and the dashboard read
exist, with their labels, and every dashboard query answers."""

from __future__ import annotations

import pytest

from local_airflow.observability import PGBOUNCER_DATABASE, Prometheus
from local_airflow.processes import wait_for
from local_airflow.stack import NativeStack
from observability.dashboard import panels
from tests.observability.conftest import PROBE_DAG

pytestmark = pytest.mark.stack

METADATA_POOL = f'{{database="{PGBOUNCER_DATABASE}",user="airflow"}}'
# Series that must exist, as (what, PromQL selector): each must return at least one series carrying the labels.
EXPECTED_SERIES = [
    ("scheduler heartbeat", 'airflow_scheduler_heartbeat{type="counter"}'),
    ("executor queued slots", 'airflow_executor_queued_tasks{executor="CeleryExecutor"}'),
    ("executor running slots", 'airflow_executor_running_tasks{executor="CeleryExecutor"}'),
    ("executor open slots", 'airflow_executor_open_slots{executor="CeleryExecutor"}'),
    ("pool open slots", 'airflow_pool_open_slots{pool="default_pool"}'),
    ("pool queued slots", 'airflow_pool_queued_slots{pool="default_pool"}'),
    ("pool running slots", 'airflow_pool_running_slots{pool="default_pool"}'),
    ("DAG processing total parse time", "airflow_dag_processing_total_parse_time"),
    ("DAG processing import errors", "airflow_dag_processing_import_errors"),
    ("file parse time", f'airflow_dag_processing_last_duration_count{{dag_file="{PROBE_DAG}",bundle="dags-folder"}}'),
    ("task finished, success", f'airflow_ti_finish{{dag_id="{PROBE_DAG}",task_id="succeed",state="success"}}'),
    ("task finished, failed", f'airflow_ti_finish{{dag_id="{PROBE_DAG}",task_id="fail",state="failed"}}'),
    ("task duration", f'airflow_task_duration_count{{dag_id="{PROBE_DAG}",task_id="succeed"}}'),
    ("DAG run duration", f'airflow_dagrun_duration_count{{dag_id="{PROBE_DAG}"}}'),
    ("triggerer heartbeat", "airflow_triggerer_heartbeat"),
    ("triggerer blocked main thread", "airflow_triggers_blocked_main_thread"),
    ("Celery queue length", 'redis_key_size{db="db0",key="default"}'),
    ("pgbouncer pool, waiting clients", f"pgbouncer_exporter_pools_waiting_clients{METADATA_POOL}"),
    ("pgbouncer pool, active clients", f"pgbouncer_exporter_pools_active_clients{METADATA_POOL}"),
]
# Series whose legacy form our mappings label: none may be left without its labels (the duplicate is dropped).
LABELLED = {
    "airflow_executor_queued_tasks": "executor",
    "airflow_pool_open_slots": "pool",
    "airflow_ti_finish": "state",
    "airflow_task_duration_count": "task_id",
}


@pytest.fixture(scope="module")
def observed(observed_stack: NativeStack, prometheus: Prometheus, probe_runs: dict[str, str]) -> Prometheus:
    """Prometheus once it has scraped what the probe's runs reported at least twice: a rate needs two samples."""

    def scraped_twice(selector: str) -> bool:
        return bool(prometheus.query(f"count_over_time({selector}[1m]) >= 2"))

    wait_for(
        lambda: all(scraped_twice(selector) for _, selector in EXPECTED_SERIES),
        60,
        "every expected series in Prometheus",
        interval=1,
        diagnostics=lambda: "missing: " + ", ".join(w for w, s in EXPECTED_SERIES if not scraped_twice(s)),
    )
    return prometheus


@pytest.mark.parametrize(("what", "selector"), EXPECTED_SERIES, ids=[what for what, _ in EXPECTED_SERIES])
def test_should_have_the_series_with_its_labels(observed: Prometheus, what: str, selector: str):
    assert observed.query(selector), f"no {what} series: {selector}"


@pytest.mark.parametrize(("name", "label"), LABELLED.items())
def test_should_drop_the_unlabelled_duplicate(observed: Prometheus, name: str, label: str):
    assert observed.query(f'{name}{{{label}=""}}') == []


@pytest.mark.parametrize("panel", panels(), ids=[panel.title for panel in panels()])
def test_should_answer_every_dashboard_query(observed: Prometheus, panel):
    empty = [expr for _, expr in panel.queries if not observed.query(expr)]
    assert not empty, f"panel {panel.title!r} would be empty: no series for {empty}"


def test_should_never_fall_back_to_the_no_op_stats_logger(observed_stack: NativeStack, observed: Prometheus):
    """Neither a component nor a task (their logs under AIRFLOW_HOME/logs) ran without the StatsD client."""
    logs = [component.log for component in observed_stack.components.values()]
    logs += sorted((observed_stack.airflow_home / "logs").rglob("*.log"))
    assert any("dag_id=" in str(log) for log in logs), "no task log found to check"
    for log in logs:
        assert "NoStatsLogger" not in log.read_text(errors="replace"), log
