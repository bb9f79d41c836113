"""The Grafana dashboard of the platform, written from the panel list below into grafana/airflow-platform.json.

Every query reads the series the chart's statsd-exporter (with our mappings), its pgbouncer exporter and a
Redis exporter publish; tests/observability evaluates each one against the native stack's Prometheus and
requires an answer, so no panel is left empty for want of a series. Windows are fixed (`[5m]`), not Grafana's
`$__rate_interval`, so that a query is the same text in Grafana, in Prometheus and in that test. statsd_exporter
turns Airflow's millisecond timers into seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DASHBOARD_FILE = Path(__file__).with_name("grafana") / "airflow-platform.json"
DASHBOARD_UID = "airflow-platform"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
PANEL_WIDTH, PANEL_HEIGHT, GRID_WIDTH = 8, 8, 24


@dataclass(frozen=True)
class Panel:
    """One panel: its queries as (legend, PromQL expression) pairs; `unit` is Grafana's unit id."""

    title: str
    queries: tuple[tuple[str, str], ...]
    unit: str = "short"
    kind: str = "timeseries"
    description: str = ""


ROWS: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    (
        "Scheduler and components",
        (
            Panel(
                "Heartbeats per minute",
                (
                    ("scheduler", "increase(airflow_scheduler_heartbeat[1m])"),
                    ("triggerer", "increase(airflow_triggerer_heartbeat[1m])"),
                    ("dag-processor", "increase(airflow_dag_processor_heartbeat[1m])"),
                ),
                description="Zero for 60 s fires SchedulerDown, TriggererDown or DagProcessorDown.",
            ),
            Panel(
                "Scheduler loop duration",
                (
                    (
                        "average",
                        "rate(airflow_scheduler_scheduler_loop_duration_sum[5m])"
                        " / rate(airflow_scheduler_scheduler_loop_duration_count[5m])",
                    ),
                ),
                unit="s",
            ),
            Panel(
                "Triggerer",
                (
                    ("running triggers {{hostname}}", "airflow_triggers_running"),
                    ("capacity left {{hostname}}", "airflow_triggerer_capacity_left"),
                    ("main thread blocked (10 min)", "increase(airflow_triggers_blocked_main_thread[10m])"),
                ),
            ),
        ),
    ),
    (
        "Executor and queues",
        (
            Panel(
                "Executor slots",
                (
                    ("open {{executor}}", "airflow_executor_open_slots"),
                    ("queued {{executor}}", "airflow_executor_queued_tasks"),
                    ("running {{executor}}", "airflow_executor_running_tasks"),
                ),
                description="More than 50 queued for 5 min fires TooManyTasksQueued.",
            ),
            Panel(
                "Pool slots",
                (
                    ("open {{pool}}", "airflow_pool_open_slots"),
                    ("queued {{pool}}", "airflow_pool_queued_slots"),
                    ("running {{pool}}", "airflow_pool_running_slots"),
                    ("starving {{pool}}", "airflow_pool_starving_tasks"),
                ),
            ),
            Panel(
                "Celery queue length",
                (("{{key}}", "redis_key_size"),),
                description="Messages waiting in the broker for a worker.",
            ),
        ),
    ),
    (
        "DAG processing",
        (
            Panel(
                "Total parse time",
                (("all files", "airflow_dag_processing_total_parse_time"),),
                unit="s",
            ),
            Panel(
                "DAG import errors",
                (("files failing", "airflow_dag_processing_import_errors"),),
                kind="stat",
                description="Any for 1 min fires DagImportErrors.",
            ),
            Panel(
                "Slowest-parsing files",
                (
                    (
                        "{{bundle}}/{{dag_file}}",
                        "topk(10, rate(airflow_dag_processing_last_duration_sum[10m])"
                        " / rate(airflow_dag_processing_last_duration_count[10m]))",
                    ),
                ),
                unit="s",
            ),
        ),
    ),
    (
        "Tasks",
        (
            Panel(
                "Task instances finished, by state (5 min)",
                (("{{state}}", "sum by (state) (increase(airflow_ti_finish[5m]))"),),
            ),
            Panel(
                "Task duration, 10 longest (1 h average)",
                (
                    (
                        "{{dag_id}}.{{task_id}}",
                        "topk(10, rate(airflow_task_duration_sum[1h]) / rate(airflow_task_duration_count[1h]))",
                    ),
                ),
                unit="s",
            ),
            Panel(
                "DAG run duration (1 h average)",
                (
                    (
                        "success {{dag_id}}",
                        "rate(airflow_dagrun_duration_sum[1h]) / rate(airflow_dagrun_duration_count[1h])",
                    ),
                    (
                        "failed {{dag_id}}",
                        "rate(airflow_dagrun_failed_sum[1h]) / rate(airflow_dagrun_failed_count[1h])",
                    ),
                ),
                unit="s",
            ),
            Panel(
                "Time from scheduled to queued (5 min average)",
                (
                    (
                        "{{dag_id}}.{{task_id}}",
                        "rate(airflow_task_scheduled_duration_sum[5m])"
                        " / rate(airflow_task_scheduled_duration_count[5m])",
                    ),
                ),
                unit="s",
            ),
        ),
    ),
    (
        "pgbouncer and the metadata DB",
        (
            Panel(
                "pgbouncer clients",
                (
                    ("active {{database}}", "sum by (database) (pgbouncer_exporter_pools_active_clients)"),
                    ("waiting {{database}}", "sum by (database) (pgbouncer_exporter_pools_waiting_clients)"),
                ),
                description="Waiting for 2 min fires PgbouncerClientsWaiting.",
            ),
            Panel(
                "Scheduler's critical section: DB query time",
                (
                    (
                        "average",
                        "rate(airflow_scheduler_critical_section_query_duration_sum[5m])"
                        " / rate(airflow_scheduler_critical_section_query_duration_count[5m])",
                    ),
                ),
                unit="s",
                description="The scheduler's locked query against the metadata DB: it grows when the DB is slow.",
            ),
            Panel(
                "Broker (Redis) memory",
                (("used", "redis_memory_used_bytes"), ("max", "redis_memory_max_bytes")),
                unit="bytes",
            ),
        ),
    ),
)


def panels() -> list[Panel]:
    return [panel for _, row in ROWS for panel in row]


def dashboard() -> dict[str, Any]:
    """The Grafana dashboard model: a row per section, three panels a line."""
    items: list[dict[str, Any]] = []
    y = 0
    for row_title, row in ROWS:
        items.append({"type": "row", "title": row_title, "collapsed": False, "gridPos": _grid(0, y, GRID_WIDTH, 1)})
        y += 1
        for index, panel in enumerate(row):
            x = (index * PANEL_WIDTH) % GRID_WIDTH
            if index and x == 0:
                y += PANEL_HEIGHT
            items.append(_panel(panel, x, y))
        y += PANEL_HEIGHT
    for number, item in enumerate(items, start=1):
        item["id"] = number
    return {
        "uid": DASHBOARD_UID,
        "title": "Airflow platform",
        "tags": ["airflow", "platform"],
        "timezone": "utc",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"}]
        },
        "panels": items,
    }


def _grid(x: int, y: int, w: int, h: int) -> dict[str, int]:
    return {"x": x, "y": y, "w": w, "h": h}


def _panel(panel: Panel, x: int, y: int) -> dict[str, Any]:
    return {
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": _grid(x, y, PANEL_WIDTH, PANEL_HEIGHT),
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + n), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
            for n, (legend, expr) in enumerate(panel.queries)
        ],
    }


def render_dashboard() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"
