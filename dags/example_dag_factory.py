"""
### Metadata-driven DAG factory: one DAG per entry of `configs/ingestion_pipelines.yaml`

Each entry (source bucket and prefix, schedule, owner, tags, retries) becomes an `ingest_<name>` DAG with the
same shape: list the new files, load them, check the row count. Adding a source is a reviewed config change.

Parsing stays cheap because the file does only what every parse must: read one YAML file with the C loader,
validate it, and build the DAG objects; no network, no Variables, no connections at parse time. An invalid
entry fails the parse with the entry and field named, so the import-error list shows what to fix.

**Connections:** `aws_default` (S3), used by the generated tasks at run time only.
**Environment:** `DAG_FACTORY_CONFIG` overrides the config file path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pendulum
import yaml
from airflow.sdk import DAG, task

CONFIG_PATH = Path(
    os.environ.get("DAG_FACTORY_CONFIG", Path(__file__).resolve().parent / "configs" / "ingestion_pipelines.yaml")
)
REQUIRED = {
    "name": str,
    "source_bucket": str,
    "prefix": str,
    "schedule": str,
    "owner": str,
    "tags": list,
    "retries": int,
}
OPTIONAL = {"table": str}
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def validated(entry: dict, index: int) -> dict:
    """The entry if it is well-formed; otherwise a ValueError naming the entry, the field and the fix."""
    where = f"{CONFIG_PATH.name}: pipelines[{index}] ({entry.get('name', '?')})"
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted({**REQUIRED, **OPTIONAL})}")
    for field, kind in REQUIRED.items():
        if not isinstance(entry.get(field), kind):
            raise ValueError(f"{where}: field '{field}' is required and must be a {kind.__name__}")
    if not NAME.match(entry["name"]):
        raise ValueError(f"{where}: field 'name' must match {NAME.pattern} (it becomes the dag_id)")
    if entry["retries"] < 1:
        raise ValueError(f"{where}: field 'retries' must be >= 1 (platform policy)")
    return entry


def build_dag(pipeline: dict) -> DAG:
    """One ingestion DAG for one config entry."""
    bucket, prefix, table = (
        pipeline["source_bucket"],
        pipeline["prefix"],
        pipeline.get("table", pipeline["name"]),
    )
    with DAG(
        dag_id=f"ingest_{pipeline['name']}",
        schedule=pipeline["schedule"],
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        tags=["generated", "ingestion", *pipeline["tags"]],
        default_args={"owner": pipeline["owner"], "retries": pipeline["retries"]},
        doc_md=f"Loads `s3://{bucket}/{prefix}` into `{table}`; generated from `{CONFIG_PATH.name}`.",
    ) as generated:

        @task
        def list_new_files(data_interval_start=None) -> list[str]:
            """Keys under the prefix that arrived in this data interval."""
            from airflow.providers.amazon.aws.hooks.s3 import S3Hook

            return S3Hook().list_keys(bucket_name=bucket, prefix=prefix, from_datetime=data_interval_start) or []

        @task
        def load(keys: list[str]) -> int:
            """Load the new files into the pipeline's table (stand-in: counts them)."""
            return len(keys)

        @task
        def check_row_count(loaded: int) -> None:
            """Fail loudly on an empty load rather than publishing stale data silently."""
            if loaded == 0:
                raise ValueError(f"no new files under s3://{bucket}/{prefix} for {table}")

        check_row_count(load(list_new_files()))
    return generated


# [START howto_dag_factory]
with CONFIG_PATH.open() as config_file:
    PIPELINES = yaml.load(config_file, Loader=yaml.CSafeLoader)["pipelines"]

for position, entry in enumerate(PIPELINES):
    generated_dag = build_dag(validated(entry, position))
    # Module-level names are how the DAG processor finds DAGs.
    globals()[generated_dag.dag_id] = generated_dag
# [END howto_dag_factory]
