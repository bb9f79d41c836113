"""Debian's prometheus-pgbouncer-exporter, run without its SHOW STATS collector, which can't read pgbouncer >= 1.8.

Debian bookworm pairs exporter 1.7 (2015) with pgbouncer 1.18. The exporter's StatsCollector reads SHOW STATS'
`total_requests` column, which pgbouncer 1.8 split into `total_xact_count` and `total_query_count`; its KeyError
kills `prometheus-pgbouncer-exporter` at start (registering a collector runs it once). The pools, databases and
lists collectors still match pgbouncer's columns: this starts those, as the package's own cli.py does, and serves
them the same way. The pool series (waiting and active clients) are what the alert rules and the dashboard read.

Run by Debian's /usr/bin/python3, where the package lives:

    /usr/bin/python3 local_airflow/pgbouncer_exporter.py --port 9127 --pgbouncer-port 6432 --pgbouncer-user airflow

The password comes from PGPASSWORD (libpq's), as with the packaged exporter.
"""

from __future__ import annotations

import argparse
from http.server import HTTPServer

from prometheus_client.core import REGISTRY
from prometheus_pgbouncer_exporter.collectors import DatabasesCollector, ListsCollector, PoolsCollector
from prometheus_pgbouncer_exporter.exposition import create_request_handler
from prometheus_pgbouncer_exporter.utils import get_connection

LICENCE = "/usr/share/doc/prometheus-pgbouncer-exporter/copyright"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to serve /metrics on")
    parser.add_argument("--port", type=int, required=True, help="port to serve /metrics on")
    parser.add_argument("--pgbouncer-host", default="127.0.0.1")
    parser.add_argument("--pgbouncer-port", type=int, required=True)
    parser.add_argument("--pgbouncer-user", required=True, help="one of pgbouncer's stats_users")
    args = parser.parse_args()
    connection = get_connection(args.pgbouncer_user, args.pgbouncer_port, args.pgbouncer_host)
    for collector in (PoolsCollector, DatabasesCollector):
        REGISTRY.register(collector(connection=connection, databases=None))
    REGISTRY.register(ListsCollector(connection=connection))
    server = HTTPServer((args.host, args.port), create_request_handler(LICENCE))
    try:
        server.serve_forever()
    finally:
        connection.close()


if __name__ == "__main__":
    main()
