"""The plugin tests reuse the example runs' metadata DB and moto fixtures, and run Airflow's real API server."""

from tests.examples.conftest import airflow_db, aws, boto  # noqa: F401
from tests.plugins.api_server import api_server, platform_state, viewer_token  # noqa: F401
