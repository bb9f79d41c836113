"""`make dev` end to end: it starts from the repo, serves the REST API, runs a DAG, and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from local_airflow.dev import admin_password, session_members
from local_airflow.rest_client import AirflowAPI
from local_airflow.stack import free_port

# Between checks of a condition that has a deadline.
POLL_INTERVAL_S = 0.2

REPO = Path(__file__).resolve().parents[2]
READY_LINE = "make dev: Airflow is ready at "


def start_make_dev(state_dir: Path, port: int, log: Path) -> subprocess.Popen:
    # A terminal's Ctrl-C reaches the whole foreground process group: give make its own, to signal it alike.
    return subprocess.Popen(
        ["make", "--no-print-directory", "dev", f"PORT={port}", f"STATE_DIR={state_dir}"],
        cwd=REPO,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for_line(process: subprocess.Popen, log: Path, line: str, timeout_s: float = 240) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log.read_text()
        if line in text:
            return text
        assert process.poll() is None, f"make dev exited with {process.returncode}:\n{text[-3000:]}"
        time.sleep(POLL_INTERVAL_S)
    raise AssertionError(f"{line!r} not printed within {timeout_s} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def make_dev(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("dev-state")
    log = state_dir.parent / "make-dev.log"
    port = free_port()
    process = start_make_dev(state_dir, port, log)
    try:
        output = wait_for_line(process, log, READY_LINE)
        yield {"process": process, "port": port, "state_dir": state_dir, "log": log, "output": output}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_banner_prints_url_and_login(make_dev):
    output = make_dev["output"]
    assert f"{READY_LINE}http://127.0.0.1:{make_dev['port']}" in output
    assert f"login: admin / {admin_password(make_dev['state_dir'])}" in output


def test_example_dag_runs_to_success_through_rest_api(make_dev):
    api = AirflowAPI(f"http://127.0.0.1:{make_dev['port']}", "admin", admin_password(make_dev["state_dir"]))
    api.wait_for_dag("taskflow_etl")
    # Like every DAG here it starts paused (the examples need clouds a laptop lacks): switch it on first.
    api.unpause("taskflow_etl")
    run_id = api.trigger("taskflow_etl")
    assert api.wait_for_run("taskflow_etl", run_id) == "success"
    assert api.task_states("taskflow_etl", run_id) == {"extract": "success", "transform": "success", "load": "success"}
    assert api.xcom("taskflow_etl", run_id, "transform") == {"acme": 150.0, "globex": 80.5}


def test_second_make_dev_on_same_state_is_refused(make_dev):
    second = subprocess.run(
        ["make", "--no-print-directory", "dev", f"PORT={make_dev['port']}", f"STATE_DIR={make_dev['state_dir']}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode != 0
    assert "another `make dev`" in second.stderr and "Stop it with Ctrl-C" in second.stderr


def test_ctrl_c_stops_every_process(make_dev):
    process = make_dev["process"]
    standalone_sessions = {pid for pid in _descendants(process.pid)}
    assert standalone_sessions, "make dev started no Airflow processes"
    os.killpg(process.pid, signal.SIGINT)
    # make re-raises the interrupt once its recipe has finished, as it does for any target.
    assert process.wait(timeout=60) in (0, -signal.SIGINT)
    # Our shutdown ran; standalone may not get to print its own "Complete" before the grace period ends.
    assert "Stopping Airflow…" in make_dev["log"].read_text()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(standalone_sessions):
        time.sleep(POLL_INTERVAL_S)
    assert not _alive(standalone_sessions), f"left running after Ctrl-C: {_alive(standalone_sessions)}"


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    # The standalone session (and any task process group in it) is what must disappear.
    return found | {pid for sid in found for pid in session_members(sid)}


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive
