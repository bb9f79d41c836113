"""example_glue: a full run against moto crawls, runs the Glue job to completion and cleans up."""

from __future__ import annotations

import json

from moto.core import DEFAULT_ACCOUNT_ID
from moto.glue.models import glue_backends

from tests.examples.dagruns import AWS_REGION, load_dag, once_deferred, run_dag, task_states, triggers_fired


def complete_the_watched_crawl():
    """Play the Glue crawler (moto's crawls never finish): complete it once the operator's trigger waits."""

    def act(triggers: list[dict]) -> bool:
        crawlers = glue_backends[DEFAULT_ACCOUNT_ID][AWS_REGION].crawlers
        crawls = [crawlers[t["crawler_name"]].crawls[-1] for t in triggers if t["crawler_name"] in crawlers]
        for crawl in crawls:
            crawl.status = "COMPLETED"
        return bool(crawls)

    return once_deferred("GlueCrawlerCompleteTrigger", act)


def test_should_crawl_run_the_job_to_success_and_remove_the_definitions(airflow_db, boto):
    boto("s3").create_bucket(Bucket="orders-dev-landing")
    boto("s3").create_bucket(Bucket="glue-dev-artifacts")
    boto("iam").create_role(
        RoleName="glue-dev-etl",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "glue.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )

    crawler_player = complete_the_watched_crawl()

    dag_run = run_dag(load_dag("example_glue", "example_glue.py"), poke_interval=1, poll_interval=1)
    crawler_player.join(timeout=5)

    states = task_states(dag_run)
    assert dag_run.state == "success", states
    # Both waits really took the deferrable path.
    assert [t["crawler_name"] for t in triggers_fired("GlueCrawlerCompleteTrigger")] == ["orders-dev-raw"]
    (job_trigger,) = triggers_fired("GlueJobCompleteTrigger")
    glue = boto("glue")
    assert glue.get_crawlers()["Crawlers"] == []
    assert glue.list_jobs()["JobNames"] == []
    script = boto("s3").list_objects_v2(Bucket="glue-dev-artifacts")["Contents"]
    assert [o["Key"] for o in script] == ["artifacts/glue-scripts/orders_to_parquet.py"]
    assert job_trigger["job_name"] == "orders-dev-to-parquet"
