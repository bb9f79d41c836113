"""Airflow as a driving service: requests for "pipeline P for customer X with parameters Y" become one-shot DAGs.

A request is validated (pipelines.py), rendered from a static template into a plain DAG file (render.py), held to
the repository's DAG gates before anything is delivered (gates.py), delivered to the DAG source the target reads
(delivery.py), and triggered, watched and removed through Airflow's REST API (service.py). app.py serves it over
HTTP; `python -m pipeline_service` runs that app.
"""
