"""The plugin tests reuse the example runs' metadata DB and moto fixtures."""

from tests.examples.conftest import airflow_db, aws, boto  # noqa: F401
