"""Pulumi program for Airflow on AWS (EKS or MWAA). Modules without a component import no pulumi."""
