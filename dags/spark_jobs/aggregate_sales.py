"""PySpark job: total sales per region, CSV in, Parquet out.

Usage: spark-submit aggregate_sales.py <input_csv_path> <output_dir>

Input columns: order_id, region, amount. Output: one row per region with `orders` (count) and `revenue`
(sum of amount, 2 decimals), sorted by region; the output directory is replaced on every run.
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main(input_path: str, output_path: str) -> None:
    spark = SparkSession.builder.appName("aggregate_sales").getOrCreate()
    try:
        schema = "order_id STRING, region STRING, amount DOUBLE"
        sales = spark.read.csv(input_path, header=True, schema=schema)
        by_region = (
            sales.groupBy("region")
            .agg(F.count("order_id").alias("orders"), F.round(F.sum("amount"), 2).alias("revenue"))
            .orderBy("region")
        )
        # One file per day is plenty for this volume, and keeps the S3 upload to one object.
        by_region.coalesce(1).write.mode("overwrite").parquet(output_path)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
