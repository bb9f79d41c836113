"""Where MWAA finds what this project ships: the artifact file names and their keys in the source bucket.

Pure (no Pulumi, no boto3), so the artifact build (mwaa/artifacts.py), the DAG sync (mwaa/deploy.py) and the
Pulumi program (infra/mwaa.py, which uploads the artifacts and points the environment at them) share one copy.
"""

from __future__ import annotations

REQUIREMENTS = "requirements.txt"
PLUGINS_ZIP = "plugins.zip"
STARTUP_SCRIPT = "startup.sh"

ARTIFACT_FILES = {"requirements": REQUIREMENTS, "plugins": PLUGINS_ZIP, "startup": STARTUP_SCRIPT}
"""Artifact -> file name, in the folder `make mwaa-artifacts` writes (airflow-aws:mwaa.artifactsDir)."""

ARTIFACT_KEYS = {artifact: f"{artifact}/{file_name}" for artifact, file_name in ARTIFACT_FILES.items()}
"""Artifact -> object key in the source bucket, each in a folder of its own beside the DAG folder."""

DAGS_PREFIX = "dags"
"""The DAG folder in the source bucket: the environment's dag_s3_path, where `make deploy-dags` syncs dags/."""

GENERATED_DAGS = f"{DAGS_PREFIX}/generated"
"""Where the driving service (pipeline_service) delivers its one-shot DAGs, inside the DAG folder: owned by that
service, so the sync of dags/ never deletes them."""
