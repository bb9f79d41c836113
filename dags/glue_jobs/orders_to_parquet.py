"""AWS Glue job: copy the crawled raw orders table to Parquet in the curated prefix.

Runs inside AWS Glue (the `awsglue` library only exists there). Arguments: --database, --table, --output_path.
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "database", "table", "output_path"])
glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(args["JOB_NAME"], args)
orders = glue_context.create_dynamic_frame.from_catalog(database=args["database"], table_name=args["table"])
glue_context.write_dynamic_frame.from_options(
    frame=orders,
    connection_type="s3",
    connection_options={"path": args["output_path"]},
    format="parquet",
)
job.commit()
