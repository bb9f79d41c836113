"""`make dev` end to end: it starts from the repo, serves the REST API, runs a DAG, and stops cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

import pytest

from local_airflow.dev import ADMIN_USER, admin_password
from local_airflow.processes import GiveUp, free_port, process_table, session_pids, wait_for
from local_airflow.rest_client import AirflowClient

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
    """make dev's output once it holds `line`; fails at once if make dev exits first."""

    def printed() -> str | None:
        text = log.read_text()
        if line in text:
            return text
        if process.poll() is not None:
            raise GiveUp(f"make dev exited with {process.returncode}:\n{text[-3000:]}")
        return None

    return wait_for(printed, timeout_s, f"{line!r} to be printed", diagnostics=log.read_text)


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
    assert f"login: {ADMIN_USER} / {admin_password(make_dev['state_dir'])}" in output


def test_example_dag_runs_to_success_through_rest_api(make_dev):
    client = AirflowClient(f"http://127.0.0.1:{make_dev['port']}", ADMIN_USER, admin_password(make_dev["state_dir"]))
    client.wait_dag("taskflow_etl")
    # Like every DAG here it starts paused (the examples need clouds a laptop lacks): switch it on first.
    client.unpause("taskflow_etl")
    run_id = client.trigger("taskflow_etl")
    assert client.wait_run("taskflow_etl", run_id, timeout=180) == "success"
    states = {ti["task_id"]: ti["state"] for ti in client.task_instances("taskflow_etl", run_id)}
    assert states == {"extract": "success", "transform": "success", "load": "success"}
    assert client.xcom("taskflow_etl", run_id, "transform") == {"acme": 150.0, "globex": 80.5}


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
    standalone_sessions = _descendants(process.pid)
    assert standalone_sessions, "make dev started no Airflow processes"
    os.killpg(process.pid, signal.SIGINT)
    # make re-raises the interrupt once its recipe has finished, as it does for any target.
    assert process.wait(timeout=60) in (0, -signal.SIGINT)
    # Our shutdown ran; standalone may not get to print its own "Complete" before the grace period ends.
    assert "Stopping Airflow…" in make_dev["log"].read_text()
    with contextlib.suppress(TimeoutError):
        wait_for(lambda: not _alive(standalone_sessions), 30, "every process of make dev to end")
    assert not _alive(standalone_sessions), f"left running after Ctrl-C: {_alive(standalone_sessions)}"


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in process_table():
        children.setdefault(entry.parent, []).append(entry.pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    # The standalone session (and any task process group in it) is what must disappear.
    return found | {pid for sid in found for pid in session_pids(sid)}


def _alive(pids: set[int]) -> set[int]:
    return {entry.pid for entry in process_table() if entry.pid in pids and entry.alive}
