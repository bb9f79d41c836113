"""The Grafana dashboard: the committed JSON is the panel list's render, and every section has its panels.

Whether each panel's queries find series is checked live, in test_metrics_end_to_end.py."""

from __future__ import annotations

import json

from observability.dashboard import DASHBOARD_FILE, ROWS, dashboard, render_dashboard

SECTIONS = {
    "Scheduler and components",
    "Executor and queues",
    "DAG processing",
    "Tasks",
    "pgbouncer and the metadata DB",
}


def test_should_equal_a_fresh_render():
    assert DASHBOARD_FILE.read_text() == render_dashboard(), (
        f"{DASHBOARD_FILE.name} is stale: run `make observability-files` and commit it"
    )


def test_should_have_a_row_per_section():
    rows = [panel["title"] for panel in json.loads(DASHBOARD_FILE.read_text())["panels"] if panel["type"] == "row"]
    assert rows == [title for title, _ in ROWS]
    assert set(rows) == SECTIONS


def test_should_query_the_datasource_variable_from_every_target():
    model = dashboard()
    panels = [panel for panel in model["panels"] if panel["type"] != "row"]
    assert panels
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert target["expr"].strip()


def test_should_not_overlap_panels():
    cells = set()
    for panel in dashboard()["panels"]:
        grid = panel["gridPos"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps another panel at {(x, y)}"
                cells.add((x, y))
