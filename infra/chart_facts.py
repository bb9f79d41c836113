"""Facts of the Airflow chart release that several pure modules share: its name, its ports and its pod labels.

Pure (no pulumi import) and at the bottom of the imports: helm_values.py (the values), pgbouncer.py (the metadata
connection) and network_policies.py (the policies beside the release) all read it, so none imports another.
"""

from __future__ import annotations

RELEASE_NAME = "airflow"

PGBOUNCER_PORT = 6543
CHART_PORTS = {
    "apiServer": 8080,
    "workerLogs": 8793,
    "triggererLogs": 8794,
    "statsdIngest": 9125,
    "statsdScrape": 9102,
    "pgbouncer": PGBOUNCER_PORT,
    "pgbouncerScrape": 9127,
}
"""The chart's `ports:` we pin in the values, so that the NetworkPolicies beside the release name the same ports
the chart's Services and containers listen on (each Service port equals its container port, as the VPC CNI's
policy agent needs: https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html)."""

POD_COMPONENTS = {
    "apiServer": "api-server",
    "scheduler": "scheduler",
    "dagProcessor": "dag-processor",
    "triggerer": "triggerer",
    "workers": "worker",
    "pgbouncer": "pgbouncer",
    "statsd": "statsd",
    "migrateDatabaseJob": "run-airflow-migrations",
    "createUserJob": "create-user-job",
    "databaseCleanup": "database-cleanup",
}
"""Values key -> the `component` label the chart gives that component's pods (and its Service selects on)."""


def pod_labels(values_key: str) -> dict[str, str]:
    """The full label set the chart's Service for this component selects, {tier, component, release}: a policy
    peer naming a Service's pods must carry all of them for the VPC CNI to resolve the Service's ClusterIP."""
    return {"tier": "airflow", "component": POD_COMPONENTS[values_key], "release": RELEASE_NAME}


METRICS_PORT_NAMES = {"statsd": "statsd-scrape", "pgbouncer": "pgb-metrics"}
"""Values key -> the name of the metrics port on the chart's Service for it: statsd_exporter's (CHART_PORTS
statsdScrape) and pgbouncer's exporter sidecar (pgbouncerScrape)."""
