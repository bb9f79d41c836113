"""PgBouncer in front of RDS: config secret, TLS to the database, hardening."""

import jmespath

from infra.pgbouncer import (
    MAX_PREPARED_STATEMENTS,
    PGBOUNCER_DATABASE,
    metadata_connection,
    pgbouncer_ini,
    pgbouncer_stats_connection,
    pgbouncer_users,
)
from tests.helm.chart_utils import render


class TestPgbouncerDeployment:
    """The pgbouncer Deployment's values."""

    def test_should_use_the_config_secret_the_stack_creates(self):
        values = render()
        assert jmespath.search("pgbouncer.[enabled, configSecretName]", values) == [
            True,
            "airflow-pgbouncer-config",
        ]
        assert jmespath.search("pgbouncer.metricsExporterSidecar.statsSecretName", values) == "airflow-pgbouncer-stats"

    def test_should_run_as_nobody_without_privileges(self):
        contexts = jmespath.search("pgbouncer.securityContexts", render())
        assert contexts["pod"]["runAsUser"] == 65534
        assert contexts["container"]["allowPrivilegeEscalation"] is False


class TestPgbouncerConfigSecret:
    """pgbouncer.ini and users.txt contents."""

    def test_should_point_at_the_database_over_tls(self):
        ini = pgbouncer_ini("db.example.rds.amazonaws.com", 5432, "airflow", "airflow", render())
        assert f"{PGBOUNCER_DATABASE} = host=db.example.rds.amazonaws.com port=5432 dbname=airflow" in ini
        assert "server_tls_sslmode = require" in ini
        assert "auth_type = scram-sha-256" in ini

    def test_should_apply_the_reviewed_pool_limits(self):
        # The chart ignores pgbouncer.metadataPoolSize/maxClientConn once configSecretName is set.
        values = render()
        ini = pgbouncer_ini("db", 5432, "airflow", "airflow", values)
        assert f"pool_size={values['pgbouncer']['metadataPoolSize']}" in ini
        assert f"max_client_conn = {values['pgbouncer']['maxClientConn']}" in ini
        assert (values["pgbouncer"]["metadataPoolSize"], values["pgbouncer"]["maxClientConn"]) == (20, 200)

    def test_should_write_integer_limits_from_values_that_crossed_the_engine(self):
        # Pulumi hands numbers back as floats; pgbouncer refuses "max_client_conn = 200.0" and exits.
        ini = pgbouncer_ini(
            "db", 5432, "airflow", "airflow", {"pgbouncer": {"metadataPoolSize": 20.0, "maxClientConn": 200.0}}
        )
        assert "pool_size=20\n" in ini and "max_client_conn = 200\n" in ini

    def test_should_serve_prepared_statements_in_transaction_mode(self):
        # psycopg 3 (Airflow's driver under SQLAlchemy 2.1) prepares repeated statements; the chart image's
        # pgbouncer 1.23 keeps none unless told to, and the next transaction fails on another server connection.
        ini = pgbouncer_ini("db", 5432, "airflow", "airflow", {})
        assert "pool_mode = transaction" in ini
        assert f"max_prepared_statements = {MAX_PREPARED_STATEMENTS}\n" in ini and MAX_PREPARED_STATEMENTS > 0

    def test_should_keep_the_chart_defaults_when_unset(self):
        ini = pgbouncer_ini("db", 5432, "airflow", "airflow", {})
        assert "pool_size=10" in ini and "max_client_conn = 100" in ini

    def test_should_list_the_user_with_its_password(self):
        assert pgbouncer_users("airflow", "s3cret") == '"airflow" "s3cret"\n'


class TestMetadataConnectionSecret:
    """The `connection` value of the metadata secret Airflow reads."""

    def test_should_connect_through_the_release_pgbouncer_service(self):
        url = metadata_connection("airflow", "s3cret", "airflow")
        assert url == f"postgresql://airflow:s3cret@airflow-pgbouncer.airflow:6543/{PGBOUNCER_DATABASE}?sslmode=disable"

    def test_should_reach_stats_on_localhost(self):
        assert pgbouncer_stats_connection("airflow", "s3cret").startswith("postgresql://airflow:s3cret@127.0.0.1:6543/")
