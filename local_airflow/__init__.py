"""Run Airflow on this machine: `make dev` (embedded, no Docker) and the native Celery stack."""
