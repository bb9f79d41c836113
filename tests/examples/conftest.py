"""Fixtures that run the example DAGs for real: an Airflow metadata DB, moto on loopback, AWS wiring."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from tests.examples.dagruns import AWS_REGION, DAGS_FOLDER


@pytest.fixture(scope="session")
def airflow_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A fresh SQLite metadata DB with the repo's dags/ as the DAG bundle, for `dag.test()`.

    Set through `conf.set` + `configure_orm` rather than env vars, because whichever conftest imports
    Airflow first freezes the env-derived config; this works regardless of import order.
    """
    from airflow import settings
    from airflow.configuration import conf
    from airflow.utils import db

    home = tmp_path_factory.mktemp("airflow_home")
    overrides = {
        ("database", "sql_alchemy_conn"): f"sqlite:///{home / 'airflow.db'}",
        ("core", "dags_folder"): str(DAGS_FOLDER),
        ("core", "load_examples"): "False",
        ("core", "unit_test_mode"): "True",
        ("logging", "base_log_folder"): str(home / "logs"),
    }
    previous = {key: conf.get(*key, fallback=None) for key in overrides}
    for (section, key), value in overrides.items():
        conf.set(section, key, value)
    settings.dispose_orm(do_log=False)
    settings.configure_vars()
    settings.configure_orm()
    db.resetdb(skip_init=False)
    yield
    settings.dispose_orm(do_log=False)
    for (section, key), value in previous.items():
        if value is not None:
            conf.set(section, key, value)


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point boto3 and Airflow's `aws_default` connection at a clean moto, with dummy credentials."""
    import requests

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret - moto's documented dummy
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": AWS_REGION,
        "AWS_ENDPOINT_URL": moto_endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps({"conn_type": "aws", "extra": {"region_name": AWS_REGION, "endpoint_url": moto_endpoint}}),
    )
    yield moto_endpoint


@pytest.fixture
def boto(aws: str):
    """A boto3 client factory bound to the test's moto server."""

    def client(service: str):
        return boto3.client(service, region_name=AWS_REGION, endpoint_url=aws)

    return client
