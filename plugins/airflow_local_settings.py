"""Airflow's local settings module (Airflow imports it from the plugins folder, which it puts on sys.path): the
platform's cluster policies. https://airflow.apache.org/docs/apache-airflow/stable/administration-and-deployment/cluster-policies.html"""

from dataplatform.teams.policy import dag_policy

__all__ = ["dag_policy"]
