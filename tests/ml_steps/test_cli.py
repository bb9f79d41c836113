"""`python -m ml_steps`, step after step as the pods run it, on small data: local files and S3 (moto)."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
import pytest
from ml_steps.__main__ import main

from tests.ml_steps.customers import customer_rows, customers_csv


def run_pipeline(root: str) -> None:
    """The four steps with the locations the DAG gives them, under `root`."""
    main(["prepare-features", "--raw", f"{root}/raw/customers.csv", "--features", f"{root}/run/features.json"])
    main(["train", "--features", f"{root}/run/features.json", "--model", f"{root}/run/model.json"])
    main(
        ["evaluate", "--features", f"{root}/run/features.json", "--model", f"{root}/run/model.json"]
        + ["--metrics", f"{root}/run/metrics.json"]
    )
    main(
        ["publish", "--model", f"{root}/run/model.json", "--metrics", f"{root}/run/metrics.json"]
        + ["--registry", f"{root}/models/churn", "--version", "20261120"]
    )


class TestLocalRun:
    """The whole pipeline on a laptop's disk."""

    def test_should_publish_a_model_and_point_latest_at_it(self, tmp_path):
        (tmp_path / "raw").mkdir()
        (tmp_path / "raw" / "customers.csv").write_text(customers_csv(customer_rows(400)))

        run_pipeline(str(tmp_path))

        latest = json.loads((tmp_path / "models" / "churn" / "latest.json").read_text())
        assert latest == {"version": "20261120", "location": f"{tmp_path}/models/churn/20261120.json"}
        published = json.loads((tmp_path / "models" / "churn" / "20261120.json").read_text())
        assert published["metrics"] == json.loads((tmp_path / "run" / "metrics.json").read_text())
        assert published["metrics"]["accuracy"] > 0.75

    def test_should_write_the_metrics_where_the_xcom_sidecar_reads_them(self, tmp_path):
        (tmp_path / "raw").mkdir()
        (tmp_path / "raw" / "customers.csv").write_text(customers_csv(customer_rows(200)))
        run_pipeline(str(tmp_path))

        main(
            ["evaluate", "--features", f"{tmp_path}/run/features.json", "--model", f"{tmp_path}/run/model.json"]
            + ["--metrics", f"{tmp_path}/again.json", "--xcom-file", f"{tmp_path}/airflow/xcom/return.json"]
        )

        assert json.loads((tmp_path / "airflow" / "xcom" / "return.json").read_text()) == json.loads(
            (tmp_path / "again.json").read_text()
        )

    def test_should_run_as_the_pod_command_does(self, tmp_path):
        (tmp_path / "customers.csv").write_text(customers_csv(customer_rows(100)))
        done = subprocess.run(
            [sys.executable, "-m", "ml_steps", "prepare-features"]
            + ["--raw", str(tmp_path / "customers.csv"), "--features", str(tmp_path / "features.json")],
            capture_output=True,
            text=True,
            check=True,
        )
        summary = json.loads(done.stdout)
        assert summary["step"] == "prepare-features" and summary["train"] + summary["holdout"] == 100


class TestS3Run:
    """The same steps against s3:// locations, as in the pods (moto standing in for S3)."""

    @pytest.fixture
    def bucket(self, aws):
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="ml-test-churn")
        s3.put_object(Bucket="ml-test-churn", Key="raw/customers.csv", Body=customers_csv(customer_rows(300)))
        return s3

    def test_should_publish_to_the_registry_prefix(self, bucket):
        run_pipeline("s3://ml-test-churn")

        keys = {item["Key"] for item in bucket.list_objects_v2(Bucket="ml-test-churn")["Contents"]}
        assert {"run/features.json", "run/model.json", "run/metrics.json"} <= keys
        assert {"models/churn/20261120.json", "models/churn/latest.json"} <= keys
        latest = json.loads(bucket.get_object(Bucket="ml-test-churn", Key="models/churn/latest.json")["Body"].read())
        assert latest["location"] == "s3://ml-test-churn/models/churn/20261120.json"

    def test_should_refuse_an_s3_location_without_a_key(self):
        with pytest.raises(ValueError, match="is not s3://<bucket>/<key>"):
            main(["train", "--features", "s3://ml-test-churn", "--model", "/tmp/model.json"])
