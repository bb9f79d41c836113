"""What we watch Airflow with, for every target: statsd mappings, alert rules, a Grafana dashboard.

- statsd.py: the mapping config the chart's statsd-exporter runs with (its defaults plus ours), taken from the
  pinned chart, and the exporter's arguments; the native stack runs statsd_exporter with exactly these;
- rules.py: the alert rules (prometheus/rules.yaml, the one source) as a PrometheusRule manifest;
- dashboard.py: the Grafana dashboard, written from its panel list.

`python -m observability` rewrites the generated files; `--check` fails when one is stale.
"""
