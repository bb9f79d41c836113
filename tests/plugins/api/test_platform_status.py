"""`GET /platform/status`: what the platform page shows, from the metadata DB, for signed-in users only."""

from __future__ import annotations


class TestPlatformStatus:
    """The status API, through Airflow's real API server."""

    def test_should_refuse_a_request_without_a_token(self, api_server):
        assert api_server.get("/platform/status").status_code == 401

    def test_should_report_health_pools_import_errors_and_slowest_files(self, api_server, viewer_token, platform_state):
        response = api_server.get("/platform/status", headers={"Authorization": f"Bearer {viewer_token}"})

        assert response.status_code == 200, response.text
        status = response.json()
        assert {c["name"] for c in status["components"]} == {"metadatabase", "scheduler", "triggerer", "dag_processor"}
        assert {"name": "metadatabase", "status": "healthy", "latest_heartbeat": None} in status["components"]
        spark = next(pool for pool in status["pools"] if pool["name"] == "spark")
        assert spark == {"name": "spark", "slots": 4, "running": 0, "queued": 0, "deferred": 0, "open": 4}
        (error,) = status["import_errors"]
        assert (error["filename"], error["error"]) == ("broken.py", "NameError: name 'oops' is not defined")
        assert [(f["filename"], f["seconds"]) for f in status["slowest_files"]][:2] == [
            ("slow.py", 2.5),
            ("fast.py", 0.05),
        ]
        assert status["queues"] == []
