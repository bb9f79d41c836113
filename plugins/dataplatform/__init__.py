"""The data platform's Airflow plugin: a platform-info API and the alerting notifiers the DAGs use."""
