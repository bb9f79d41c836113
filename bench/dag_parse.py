"""Parse time of each DAG file in dags/ and the total, as Airflow measures it (DagBag file stats).

    .venv/bin/python -m bench.dag_parse

Each file is parsed twice in one process: "first" includes importing the providers it uses for the first
time in that process; "warm" is measured the way the DAG processor runs it: the processor pre-imports the
`airflow.*` modules a file imports in its long-lived parent before forking the parse
(`[dag_processor] parsing_pre_import_modules`, on by default), so each periodic parse pays only the file
itself. The Spark provider, for one, imports kubernetes_asyncio: seconds the first time, nothing after.
Then the DAG factory file is parsed with a generated config of 50
pipelines. Budgets: 1 s per file (the DAG gates), 200 ms for the factory with 50 DAGs. Prints figures and
ratios only; it asserts nothing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DAGS = REPO_ROOT / "dags"
FILE_BUDGET_S = 1.0
FACTORY_BUDGET_S = 0.2
FACTORY_DAGS = 50


def parse(path: Path):
    """DagBag's own stats for one file: (seconds, dag count, task count)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(path))
    if bag.import_errors:
        raise SystemExit(f"{path.name} failed to import: {bag.import_errors}")
    (stat,) = bag.dagbag_stats
    return stat.duration.total_seconds(), stat.dag_num, stat.task_num


def factory_config(directory: Path, count: int) -> Path:
    entries = "".join(
        f"  - {{name: source_{i:02d}, source_bucket: bucket-{i}, prefix: p/, schedule: '@daily',"
        f" owner: team-{i % 5}, tags: [bench], retries: 1}}\n"
        for i in range(count)
    )
    path = directory / "pipelines.yaml"
    path.write_text("pipelines:\n" + entries)
    return path


def main() -> None:
    # The plugins folder the DAG processor gives the DAG files (importable as `dataplatform`); Airflow puts it
    # on sys.path when it is imported, so it is set before the first import of airflow below.
    os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(REPO_ROOT / "plugins")
    files = sorted(p for p in DAGS.glob("*.py"))
    import structlog
    from airflow.dag_processing.processor import _pre_import_airflow_modules

    first = {f: parse(f) for f in files}
    for f in files:
        _pre_import_airflow_modules(str(f), structlog.get_logger())
    warm = {f: parse(f) for f in files}

    print(f"{'file':<32} {'dags':>4} {'tasks':>5} {'first ms':>9} {'warm ms':>8} {'warm/budget':>11}")
    for f in files:
        seconds, dags, tasks = first[f]
        warm_s = warm[f][0]
        print(
            f"{f.name:<32} {dags:>4} {tasks:>5} {seconds * 1000:>9.1f} {warm_s * 1000:>8.1f} "
            f"{warm_s / FILE_BUDGET_S:>11.3f}"
        )
    total_first = sum(v[0] for v in first.values())
    total_warm = sum(v[0] for v in warm.values())
    print(
        f"{'TOTAL':<32} {sum(v[1] for v in first.values()):>4} {sum(v[2] for v in first.values()):>5} "
        f"{total_first * 1000:>9.1f} {total_warm * 1000:>8.1f}"
    )
    worst = max(files, key=lambda f: first[f][0])
    print(
        f"slowest first parse: {worst.name} {first[worst][0] * 1000:.1f} ms = "
        f"{first[worst][0] / FILE_BUDGET_S:.3f} of the {FILE_BUDGET_S:.0f} s per-file budget"
    )

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DAG_FACTORY_CONFIG"] = str(factory_config(Path(tmp), FACTORY_DAGS))
        seconds, dags, tasks = parse(DAGS / "example_dag_factory.py")
    print(
        f"factory with {FACTORY_DAGS} pipelines: {dags} DAGs, {tasks} tasks, {seconds * 1000:.1f} ms = "
        f"{seconds / FACTORY_BUDGET_S:.3f} of the {FACTORY_BUDGET_S * 1000:.0f} ms budget, "
        f"{seconds / dags * 1000:.2f} ms per generated DAG"
    )


if __name__ == "__main__":
    main()
