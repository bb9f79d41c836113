"""`python -m pipeline_service --target folder|git|s3 …`: serve the driving service's API with uvicorn.

The Airflow login comes from the environment (PIPELINE_SERVICE_AIRFLOW_USERNAME, PIPELINE_SERVICE_AIRFLOW_PASSWORD;
on a cluster, from a Secret), never from the command line, where the process table would show it.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from local_airflow.rest_client import AirflowClient
from mwaa.layout import GENERATED_DAGS
from pipeline_service.app import create_app
from pipeline_service.delivery import DagSource, GitRepository, LocalFolder, S3Prefix
from pipeline_service.service import PipelineService


def dag_source(args: argparse.Namespace) -> DagSource:
    if args.target == "folder":
        return LocalFolder(args.dags_folder)
    if args.target == "git":
        return GitRepository(args.git_url, branch=args.git_branch, folder=args.git_folder)
    import boto3

    return S3Prefix(boto3.client("s3"), args.s3_bucket, args.s3_prefix)


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m pipeline_service", description=__doc__.splitlines()[0])
    cli.add_argument("--airflow-url", required=True, help="the API server, e.g. http://127.0.0.1:8080")
    cli.add_argument("--target", choices=["folder", "git", "s3"], required=True, help="the DAG source to deliver to")
    cli.add_argument("--dags-folder", type=Path, help="folder: the DAG folder (or a folder inside it)")
    cli.add_argument("--git-url", help="git: the repository the DAG bundle or git-sync tracks")
    cli.add_argument("--git-branch", default="main")
    cli.add_argument("--git-folder", default="dags/generated", help="git: the folder inside the repository")
    cli.add_argument("--s3-bucket", help="s3: MWAA's source bucket")
    cli.add_argument("--s3-prefix", default=GENERATED_DAGS, help="s3: a folder inside MWAA's dag_s3_path")
    cli.add_argument("--cleanup-interval", type=float, default=60, help="seconds between cleanups; 0 turns them off")
    cli.add_argument("--host", default="127.0.0.1")
    cli.add_argument("--port", type=int, default=8090)
    return cli


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    needed = {"folder": "dags_folder", "git": "git_url", "s3": "s3_bucket"}[args.target]
    if getattr(args, needed) is None:
        cli.error(f"--target {args.target} needs --{needed.replace('_', '-')}")
    login = [os.environ.get(f"PIPELINE_SERVICE_AIRFLOW_{part}") for part in ("USERNAME", "PASSWORD")]
    if not all(login):
        cli.error("set PIPELINE_SERVICE_AIRFLOW_USERNAME and PIPELINE_SERVICE_AIRFLOW_PASSWORD (an Airflow login)")
    import uvicorn

    service = PipelineService(dag_source(args), partial(AirflowClient, args.airflow_url, *login))
    uvicorn.run(create_app(service, cleanup_interval_s=args.cleanup_interval), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
