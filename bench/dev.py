"""Time `make dev`: start to API healthy (environment already installed), then trigger to success.

    .venv/bin/python -m bench.dev [--runs 3]

Each run uses a fresh state folder, so the start includes `airflow db migrate` on a new SQLite file,
as a newcomer's first `make dev` does.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

from local_airflow.dev import ADMIN_USER, admin_password
from local_airflow.processes import free_port
from local_airflow.rest_client import AirflowClient
from tests.dev.test_make_dev import READY_LINE, start_make_dev, wait_for_line

EXAMPLE_DAG = "taskflow_etl"


def one_run() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        state_dir, log, port = Path(tmp) / "state", Path(tmp) / "make-dev.log", free_port()
        started = time.monotonic()
        process = start_make_dev(state_dir, port, log)
        try:
            wait_for_line(process, log, READY_LINE)
            ready_s = time.monotonic() - started
            client = AirflowClient(f"http://127.0.0.1:{port}", ADMIN_USER, admin_password(state_dir))
            client.wait_dag(EXAMPLE_DAG)
            client.unpause(EXAMPLE_DAG)
            triggered = time.monotonic()
            run_id = client.trigger(EXAMPLE_DAG)
            state = client.wait_run(EXAMPLE_DAG, run_id, timeout=180, interval=0.5)
            run_s = time.monotonic() - triggered
            if state != "success":
                raise SystemExit(f"{EXAMPLE_DAG} ended {state}")
            return ready_s, run_s
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = [one_run() for _ in range(parser.parse_args().runs)]
    print(f"{'run':>6} {'start -> healthy (s)':>22} {'trigger -> success (s)':>24}")
    for number, (ready_s, run_s) in enumerate(runs, 1):
        print(f"{number:>6} {ready_s:>22.1f} {run_s:>24.1f}")
    print(
        f"{'median':>6} {statistics.median(r for r, _ in runs):>20.1f} "
        f"{statistics.median(s for _, s in runs):>24.1f}   ({EXAMPLE_DAG}, 3 tasks, SQLite + LocalExecutor)"
    )


if __name__ == "__main__":
    main()
