"""MWAA delivery: the artifacts MWAA installs (requirements.txt, plugins.zip, startup.sh) and the DAG sync.

Pure Python with no Pulumi import, so both the Airflow environment (`make mwaa-artifacts`,
`make deploy-dags`) and the Pulumi program (which uploads the artifacts as versioned S3 objects) can use it;
layout.py names the files and where each lives in the source bucket, for both.

    python -m mwaa artifacts --out build/mwaa
    python -m mwaa deploy-dags --bucket airflow-… --prefix dags --dry-run
"""
