"""One native stack with its metrics pipeline (statsd_exporter, pgbouncer and the exporters, Prometheus), shared
by the tests of this package that need it, and stopped when they are done (package scope), before any other
package's stack starts.

Prometheus scrapes and evaluates every second, so that an alert's `for:` is the only wait that counts. The probe
DAG runs twice, once failing and once succeeding, so that every kind of metric the rules and panels read exists.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_airflow.observability import Prometheus
from local_airflow.processes import stop_on_signals
from local_airflow.rest_client import AirflowClient
from local_airflow.stack import NativeStack

DAGS = Path(__file__).parent / "dags"
PROBE_DAG = "observability_probe"


@pytest.fixture(scope="package")
def observed_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NativeStack]:
    stop_on_signals(signal.SIGTERM)  # a CI timeout's SIGTERM still reaches the finally below
    native = NativeStack(
        root=tmp_path_factory.mktemp("observed-stack"),
        dags_folder=DAGS,
        git_bundle=False,
        observability=True,
        # The triggerer imports the probe's trigger by module name, from the DAGs folder.
        overrides={"PYTHONPATH": str(DAGS)},
    ).start()
    try:
        yield native
    finally:
        native.stop()


@pytest.fixture(scope="package")
def prometheus(observed_stack: NativeStack) -> Prometheus:
    assert observed_stack.metrics is not None
    return observed_stack.metrics.prometheus


@pytest.fixture(scope="package")
def probe_runs(observed_stack: NativeStack) -> dict[str, str]:
    """`{final state: run_id}` of the probe's two runs: one with a failing task, one without."""
    client: AirflowClient = observed_stack.client()
    runs = {}
    for conf, state in (({"fail": True}, "failed"), ({"fail": False}, "success")):
        run_id = client.trigger(PROBE_DAG, conf=conf)
        assert client.wait_run(PROBE_DAG, run_id, timeout=180) == state, client.task_instances(PROBE_DAG, run_id)
        runs[state] = run_id
    return runs
