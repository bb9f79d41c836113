"""A DAG file that fails to import on purpose: the import error metrics, the alert and the platform page see it.

(It names airflow's `dag` so that the DAG processor's discovery heuristic parses it at all.)
"""

from airflow.sdk import dag  # noqa: F401

raise ImportError("broken on purpose: the platform page must list this file")
