"""The platform page in the Airflow UI, in headless Chromium (Debian's, driven by playwright-core from npm):
sign in on the native stack, open the page from its nav entry, check what it shows, keep a screenshot.

The screenshot is a test artifact, under pytest's temporary folder (its path is printed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from airflow_settings.versions import CACHE_DIR
from local_airflow.processes import wait_for
from local_airflow.stack import ADMIN_PASSWORD, ADMIN_USER, NativeStack

pytestmark = pytest.mark.stack

DRIVER = Path(__file__).with_name("ui") / "platform_page.cjs"
# Where `make ui-test-node` installs the lock's packages (mk/observability.mk, UI_TEST_NODE_DIR).
PLAYWRIGHT_CORE = CACHE_DIR / "ui-test-node" / "node_modules" / "playwright-core"
CHROMIUM = Path("/usr/bin/chromium")
STARVED_DAG, STARVED_POOL = "observability_pool_starved", "starved"
BROKEN_FILE = "broken_on_purpose.py"


@pytest.fixture(scope="module")
def waiting_task(observed_stack: NativeStack) -> str:
    """A task that waits for a slot of a pool that has none: something queued for the page to show."""
    client = observed_stack.client()
    client.request("POST", "/pools", json={"name": STARVED_POOL, "slots": 0})
    run_id = client.trigger(STARVED_DAG)
    client.wait_task_state(STARVED_DAG, run_id, "wait_for_a_slot", ("scheduled",))
    wait_for(lambda: any(e["filename"].endswith(BROKEN_FILE) for e in client.import_errors()), 120, "the import error")
    return run_id


@pytest.fixture(scope="module")
def shown(observed_stack: NativeStack, waiting_task: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What the driver read off the page, as JSON; the screenshot stays in the test's temp folder."""
    node = shutil.which("node")
    assert node, "the browser test needs node (and `make ui-test-node` for its packages)"
    assert PLAYWRIGHT_CORE.is_dir(), f"{PLAYWRIGHT_CORE} is missing: run `make ui-test-node`"
    assert CHROMIUM.is_file(), "the browser test needs Debian's chromium: apt-get install chromium"
    screenshot = tmp_path_factory.mktemp("artifacts") / "platform-page.png"
    result = subprocess.run(
        [node, str(DRIVER)],
        env={
            **os.environ,
            "PLAYWRIGHT_CORE": str(PLAYWRIGHT_CORE),
            "BASE_URL": observed_stack.api_url,
            "AIRFLOW_USERNAME": ADMIN_USER,
            "AIRFLOW_PASSWORD": ADMIN_PASSWORD,
            "SCREENSHOT": str(screenshot),
        },
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"the browser driver failed:\n{result.stdout}\n{result.stderr}"
    assert screenshot.stat().st_size > 0
    print(f"platform page screenshot: {screenshot}")
    return json.loads(result.stdout.splitlines()[-1])


def test_should_open_the_page_from_its_nav_entry(shown: dict, observed_stack: NativeStack):
    assert shown["navHref"] == "/plugin/platform"
    assert shown["url"] == f"{observed_stack.api_url}/plugin/platform"


def test_should_show_airflow_and_provider_versions(shown: dict):
    providers = dict(shown["tables"]["providers"])
    assert shown["airflowVersion"] == version("apache-airflow")
    assert providers["apache-airflow-providers-celery"] == version("apache-airflow-providers-celery")
    assert providers["apache-airflow-providers-amazon"] == version("apache-airflow-providers-amazon")


def test_should_show_every_component_healthy(shown: dict):
    health = {row[0]: row[1] for row in shown["tables"]["components"]}
    assert health == dict.fromkeys(("metadatabase", "scheduler", "triggerer", "dag_processor"), "healthy")


def test_should_show_the_waiting_task_and_the_pools(shown: dict):
    queues = {row[0]: (int(row[1]), int(row[2])) for row in shown["tables"]["queues"]}
    pools = {row[0]: [int(cell) for cell in row[1:]] for row in shown["tables"]["pools"]}
    assert queues["default"][1] >= 1, queues  # scheduled, waiting for a slot of the starved pool
    assert pools[STARVED_POOL][0] == 0  # slots
    assert "default_pool" in pools


def test_should_list_the_import_error_and_the_slowest_files(shown: dict):
    errors = [row for row in shown["tables"]["import-errors"] if row[1].endswith(BROKEN_FILE)]
    slowest = [row[1] for row in shown["tables"]["slowest-files"]]
    assert errors and "ImportError: broken on purpose" in errors[0][3], shown["tables"]["import-errors"]
    assert "observability_probe.py" in slowest
