"""example_spark_submit: a full run on a real local Spark (`local[2]`) with S3 on moto."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tests.examples.dagruns import LOGICAL_DATE, load_dag, run_dag, task_states

BUCKET = "sales-dev-lake"
DS = LOGICAL_DATE.to_date_string()
SALES = "order_id,region,amount\n1,emea,10.50\n2,emea,4.25\n3,amer,100\n4,apac,1.10\n5,apac,2.20\n6,apac,3.30\n"


def test_should_publish_revenue_per_region_computed_by_spark(airflow_db, boto, monkeypatch, tmp_path):
    # spark-submit comes from the pyspark wheel, beside this interpreter.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{Path('/usr/bin')}:/bin")
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_DEFAULT", json.dumps({"conn_type": "spark", "host": "local[2]"}))
    monkeypatch.setenv("SPARK_STAGING_DIR", str(tmp_path))
    s3 = boto("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=f"raw/sales/{DS}/sales.csv", Body=SALES.encode())
    # A leftover object from an earlier run of the same day must be replaced, not kept beside the new one.
    s3.put_object(Bucket=BUCKET, Key=f"curated/sales_by_region/ds={DS}/part-stale.parquet", Body=b"old")

    dag = load_dag("example_spark_submit", "example_spark_submit.py")
    dag_run = run_dag(dag)

    assert dag_run.state == "success", task_states(dag_run)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="curated/")["Contents"]]
    assert len(keys) == 1 and keys[0].endswith(".parquet") and "part-stale" not in keys[0]
    table = pq.read_table(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()))
    assert table.to_pylist() == [
        {"region": "amer", "orders": 1, "revenue": 100.0},
        {"region": "apac", "orders": 3, "revenue": 6.6},
        {"region": "emea", "orders": 2, "revenue": 14.75},
    ]
    assert list(tmp_path.iterdir()) == [tmp_path / "example_spark_submit"]
    assert not any((tmp_path / "example_spark_submit").iterdir()), "staging dir was not cleaned"
