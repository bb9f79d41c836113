"""example_emr: full runs against moto; the cluster is terminated whether the Spark step succeeds or fails."""

from __future__ import annotations

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.emr.models import emr_backends

from tests.examples.dagruns import AWS_REGION, load_dag, once_deferred, run_dag, task_states


def finish_the_watched_step(final_state: str):
    """Play the EMR cluster (moto never runs steps): end the step once the sensor's trigger watches it."""

    def act(triggers: list[dict]) -> bool:
        watched = {t["step_id"] for t in triggers}
        clusters = emr_backends[DEFAULT_ACCOUNT_ID][AWS_REGION].clusters.values()
        steps = [step for cluster in clusters for step in cluster.steps if step.id in watched]
        for step in steps:
            step.state = final_state
        return bool(steps)

    return once_deferred("EmrStepSensorTrigger", act)


@pytest.mark.parametrize(
    ("step_outcome", "run_state", "sensor_state"),
    [("COMPLETED", "success", "success"), ("FAILED", "failed", "failed")],
)
def test_should_terminate_the_cluster_whatever_the_step_outcome(
    airflow_db, boto, step_outcome, run_state, sensor_state
):
    boto("s3").create_bucket(Bucket="emr-dev-artifacts")
    cluster_player = finish_the_watched_step(step_outcome)

    dag_run = run_dag(load_dag("example_emr", "example_emr.py"), poke_interval=1)
    cluster_player.join(timeout=5)

    states = task_states(dag_run)
    assert dag_run.state == run_state, states
    assert states["watch_step"] == sensor_state
    assert states["terminate_cluster"] == "success"
    emr = boto("emr")
    (cluster,) = emr.list_clusters()["Clusters"]
    assert cluster["Name"] == "sales-dev-aggregate"
    assert cluster["Status"]["State"] == "TERMINATED"
    (step,) = emr.list_steps(ClusterId=cluster["Id"])["Steps"]
    assert step["Name"] == "aggregate_sales_20261120"
    assert step["Config"]["Args"][-3:] == [
        "s3://emr-dev-artifacts/jobs/aggregate_sales.py",
        "s3://sales-dev-lake/raw/sales/2026-11-20/sales.csv",
        "s3://sales-dev-lake/curated/sales_by_region/ds=2026-11-20/",
    ]
    uploaded = boto("s3").get_object(Bucket="emr-dev-artifacts", Key="jobs/aggregate_sales.py")
    assert b"def main(" in uploaded["Body"].read()
