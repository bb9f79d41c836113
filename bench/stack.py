"""Stock Airflow defaults vs our settings, side by side on the native Celery stack, in one invocation.

    .venv/bin/python -m bench.stack            # both profiles, then the table
    .venv/bin/python -m bench.stack --only ours

"stock" is our settings with every performance key put back to Airflow's own default (the functional ones,
such as the executor and the secrets backend, stay, so both profiles run the same platform). Each profile gets
a fresh stack (PostgreSQL, Redis, moto, every component) and the DAGs of tests/stack/dags/stack_load.py.
Both profiles run from the same environment (`make venv` compiles its bytecode), so what the install does
helps both alike; only the settings differ. Prints figures and ratios; it asserts nothing.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from airflow.configuration import conf

from airflow_settings import load_settings
from local_airflow.processes import stop_on_signals, wait_for
from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack, running_stack
from tests.stack.faults import Outcome, kill_scheduler_while_queued, kill_worker_mid_task, released_dag

DAGS = Path(__file__).resolve().parent.parent / "tests" / "stack" / "dags"
# Settings that choose what the platform is, not how fast it goes: identical in both profiles.
FUNCTIONAL = {
    ("core", "executor"),
    ("core", "dags_are_paused_at_creation"),
    ("core", "load_examples"),
    ("core", "default_task_retries"),
    ("scheduler", "catchup_by_default"),
    ("api", "expose_config"),
    ("logging", "logging_level"),
    ("secrets", "backend"),
    ("secrets", "backend_kwargs"),
    ("dag_processor", "dag_file_processor_timeout"),
}
RECOVERY_CAP = 700.0


def stock_overrides() -> tuple[dict[str, str | None], list[str]]:
    """Environment putting each performance setting back to Airflow's default, and a line per change."""
    overrides: dict[str, str | None] = {}
    notes = []
    for section, options in load_settings().for_target("compose").items():
        for key, ours in options.items():
            if (section, key) in FUNCTIONAL:
                continue
            stock = conf.get_default_value(section, key, fallback=None)
            overrides[f"AIRFLOW__{section.upper()}__{key.upper()}"] = None if stock is None else str(stock)
            notes.append(f"  [{section}] {key}: stock {stock} / ours {ours}")
    return overrides, notes


def timed_run(client: AirflowClient, dag_id: str, timeout: float = 600) -> tuple[str, str, float]:
    """Seconds from the trigger to the run's end as the scheduler stamped it.

    Reading the end from the run (same machine, same clock) keeps the figure exact while polling only once a
    second: every poll loads each task instance of the run in the API server, and polling a 200-task run four
    times a second took about a tenth of the CPU the bench was measuring.
    """
    client.wait_dag(dag_id, 180)
    triggered = time.time()
    run_id = client.trigger(dag_id)
    state = client.wait_run(dag_id, run_id, timeout=timeout, interval=1.0)
    ended = datetime.fromisoformat(client.run(dag_id, run_id)["end_date"]).timestamp()
    return run_id, state, ended - triggered


def push_to_parsed(stack: NativeStack, client: AirflowClient) -> float:
    """Seconds from `git push` of a changed DAG to its new version in the API.

    Airflow 3 makes a new DAG version only once the current one has run, so v1 runs first.
    """
    stack.git.push({"dags/git_probe.py": released_dag("git_probe", 1)}, "git_probe v1")
    timed_run(client, "git_probe")
    before = len(client.dag_versions("git_probe"))
    stack.git.push({"dags/git_probe.py": released_dag("git_probe", 2)}, "git_probe v2")
    started = time.monotonic()
    wait_for(lambda: len(client.dag_versions("git_probe")) > before, 300, "git_probe v2 to be parsed", interval=0.1)
    return time.monotonic() - started


class Results(dict):
    """Figures of one profile, each printed as it is measured (a long run shows progress)."""

    def __init__(self, profile: str):
        super().__init__()
        self.profile = profile

    def __setitem__(self, metric: str, value: str | float) -> None:
        super().__setitem__(metric, value)
        shown = f"{value:.2f}" if isinstance(value, float) else value
        print(f"  {self.profile}: {metric} = {shown}", flush=True)


def recovery(outcome: Outcome) -> str | float:
    return outcome.seconds if outcome.state == "success" else f">{outcome.seconds:.0f} ({outcome.state})"


def measure(profile: str, overrides: dict[str, str | None]) -> dict[str, str | float]:
    results = Results(profile)
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-{profile}-") as root,
        running_stack(Path(root), DAGS, overrides=overrides) as stack,
    ):
        client = stack.client()
        timed_run(client, "load_one")  # warm-up: first parse and first task of this stack
        results["1-task trigger->success (s)"] = statistics.median(timed_run(client, "load_one")[2] for _ in range(3))
        _, _, chain_seconds = timed_run(client, "load_chain")
        results["20-task chain, per task (s)"] = chain_seconds / 20
        # The first fan-out is also the first task of most worker slots, and a slot's first task costs ~0.5
        # CPU-s more (its S3 and Secrets Manager clients, its first API calls); the second shows the rate a
        # running worker sustains. Both are reported; failed tries count across both.
        failed_tries = 0
        for metric in ("200-task fan-out, first after start (s)", "200-task fan-out wall (s)"):
            run_id, _, results[metric] = timed_run(client, "load_fanout", timeout=900)
            instances = client.task_instances("load_fanout", run_id)
            failed_tries += sum(1 for ti in instances if ti["state"] != "success")
            failed_tries += sum(ti["try_number"] - 1 for ti in instances)
        results["200-task fan-out failed tries"] = float(failed_tries)
        results["worker kill -9 -> run success (s)"] = recovery(kill_worker_mid_task(stack, client, RECOVERY_CAP))
        results["scheduler kill -9 -> run success (s)"] = recovery(
            kill_scheduler_while_queued(stack, client, RECOVERY_CAP)
        )
        results["git push -> new version parsed (s)"] = push_to_parsed(stack, client)
    return results


TARGETS = {
    "20-task chain, per task (s)": "<= 0.4",
    "200-task fan-out wall (s)": "<= 25",
    "200-task fan-out failed tries": "0",
    "worker kill -9 -> run success (s)": "<= 60",
    "scheduler kill -9 -> run success (s)": "<= 60",
    "git push -> new version parsed (s)": "<= 10",
}


def table(measured: dict[str, dict[str, str | float]]) -> str:
    profiles = list(measured)
    metrics = list(next(iter(measured.values())))
    header = ["metric", *profiles] + (["stock/ours"] if len(profiles) == 2 else []) + ["target (ours)"]
    rows = [header]
    for metric in metrics:
        values = [measured[p][metric] for p in profiles]
        row = [metric, *(f"{v:.2f}" if isinstance(v, float) else v for v in values)]
        if len(profiles) == 2:
            stock, ours = values
            ratio = f"{stock / ours:.1f}x" if isinstance(stock, float) and isinstance(ours, float) and ours else "n/a"
            row.append(ratio)
        row.append(TARGETS.get(metric, ""))
        rows.append(row)
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines = [" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("stock", "ours"), help="measure one profile")
    args = parser.parse_args(argv)
    stop_on_signals(signal.SIGTERM)  # a timeout unwinds through running_stack, which stops every process it started
    stock, notes = stock_overrides()
    print("Performance settings, stock vs ours:", *notes, sep="\n", flush=True)
    measured = {}
    for profile, overrides in (("stock", stock), ("ours", {})):
        if args.only in (None, profile):
            started = time.monotonic()
            measured[profile] = measure(profile, overrides)
            print(f"{profile}: measured in {time.monotonic() - started:.0f} s", flush=True)
    print(table(measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
