"""The pattern DAGs: mapping, assets, factory, branching, setup/teardown — each run for real."""

from __future__ import annotations

import pytest

from tests.examples.dagruns import DAGS_FOLDER, LOGICAL_DATE, load_dag, run_dag, task_states


def xcom(dag_run, task_id: str, map_index: int = -1):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id, task_id=task_id, map_index=map_index)
            .one()
        )
        return XComModel.deserialize_value(row)


def test_mapping_should_run_one_instance_per_partition_and_reduce(airflow_db):
    dag_run = run_dag(
        load_dag("example_dynamic_mapping", "example_dynamic_mapping.py"),
        conf={"regions": ["eu", "us", "latam", "jp"]},
    )

    states = task_states(dag_run)
    assert dag_run.state == "success", states
    assert [k for k in states if k.startswith("process_partition[")] == [f"process_partition[{i}]" for i in range(4)]
    assert xcom(dag_run, "summarize") == (2 + 2 + 5 + 2) * 10


def test_producer_should_queue_the_consumer_through_the_asset_event(airflow_db):
    from airflow.models.asset import AssetDagRunQueue, AssetEvent, AssetModel
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    producer = load_dag("example_asset_producer", "example_assets.py")
    # A first run syncs the bundle, so the consumer exists; like any new DAG it may start paused, and a paused
    # DAG is never queued by an asset event: switch it on as a person would, then produce again.
    run_dag(producer)
    with create_session() as session:
        session.query(DagModel).filter_by(dag_id="example_asset_consumer").update({"is_paused": False})
        session.query(AssetDagRunQueue).delete()
    dag_run = run_dag(producer, logical_date=LOGICAL_DATE.add(days=1))

    assert task_states(dag_run) == {"refresh_orders": "success"}
    with create_session() as session:
        asset = session.query(AssetModel).filter_by(name="orders_curated").one()
        assert asset.uri == "s3://orders-dev-lake/curated/orders"
        (event,) = session.query(AssetEvent).filter_by(asset_id=asset.id, source_run_id=dag_run.run_id).all()
        assert event.extra == {"rows": 1250}
        queued = session.query(AssetDagRunQueue).filter_by(asset_id=asset.id).all()
        assert [q.target_dag_id for q in queued] == ["example_asset_consumer"]


def test_factory_should_generate_one_valid_dag_per_config_entry(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER / "example_dag_factory.py"))

    assert not bag.import_errors
    assert sorted(bag.dags) == ["ingest_billing_invoices", "ingest_crm_accounts", "ingest_web_events"]
    billing = bag.dags["ingest_billing_invoices"]
    assert billing.default_args == {"owner": "finance-data", "retries": 3}
    assert set(billing.tags) == {"generated", "ingestion", "billing"}
    assert [t.task_id for t in billing.topological_sort()] == ["list_new_files", "load", "check_row_count"]


def test_factory_generated_dag_should_load_new_files(airflow_db, boto):
    boto("s3").create_bucket(Bucket="web-dev-events")
    boto("s3").put_object(Bucket="web-dev-events", Key="events/part-1.json", Body=b"{}")

    dag_run = run_dag(load_dag("ingest_web_events", "example_dag_factory.py"), logical_date=None)

    assert dag_run.state == "success", task_states(dag_run)
    assert xcom(dag_run, "load") == 1


ENTRY = "name: x, source_bucket: b, prefix: p, schedule: '@daily', owner: o, tags: []"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (ENTRY, "pipelines[0] (x): field 'retries' is required and must be a int"),
        (ENTRY.replace("name: x", "name: Bad-Name") + ", retries: 1", "field 'name' must match"),
        (ENTRY + ", retries: 1, bucket: y", "pipelines[0] (x): unknown field(s) ['bucket']"),
    ],
    ids=["missing-retries", "bad-name", "unknown-field"],
)
def test_factory_should_refuse_a_bad_entry_naming_the_field(airflow_db, tmp_path, monkeypatch, entry, message):
    from airflow.dag_processing.dagbag import DagBag

    (tmp_path / "bad.yaml").write_text(f"pipelines:\n  - {{{entry}}}\n")
    monkeypatch.setenv("DAG_FACTORY_CONFIG", str(tmp_path / "bad.yaml"))

    bag = DagBag(dag_folder=str(DAGS_FOLDER / "example_dag_factory.py"))

    (error,) = bag.import_errors.values()
    assert "bad.yaml: " in error and message in error


@pytest.mark.parametrize(
    ("day", "ran", "skipped"),
    [(1, "full_reload", "incremental_load"), (20, "incremental_load", "full_reload")],
)
def test_branching_should_run_one_branch_and_still_publish(airflow_db, day, ran, skipped):
    dag_run = run_dag(load_dag("example_branching", "example_branching.py"), logical_date=LOGICAL_DATE.replace(day=day))

    states = task_states(dag_run)
    assert dag_run.state == "success", states
    assert (states[ran], states[skipped], states["publish"]) == ("success", "skipped", "success")


@pytest.mark.parametrize(("fail_work", "run_state"), [(False, "success"), (True, "failed")])
def test_teardown_should_remove_the_workspace_and_not_hide_a_failure(airflow_db, fail_work, run_state):
    from pathlib import Path

    dag_run = run_dag(load_dag("example_setup_teardown", "example_setup_teardown.py"), conf={"fail_work": fail_work})

    states = task_states(dag_run)
    assert dag_run.state == run_state, states
    assert states["remove_workspace"] == "success"
    assert not Path(xcom(dag_run, "create_workspace")).exists()
