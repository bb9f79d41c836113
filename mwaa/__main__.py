"""Command line for the Makefile's MWAA targets: `python -m mwaa artifacts|deploy-dags ...`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mwaa.artifacts import REPO_ROOT, ArtifactError, build
from mwaa.deploy import DeployError, stack_target, sync_dags
from mwaa.layout import DAGS_PREFIX


def _artifacts(args: argparse.Namespace) -> None:
    built = build(args.out, plugins_dir=args.plugins, constraints_file=args.constraints)
    for path in (built.requirements, built.plugins, built.startup):
        print(f"built {path} ({path.stat().st_size} bytes)")


def _deploy_dags(args: argparse.Namespace) -> None:
    import boto3  # only this command talks to AWS

    if args.bucket:
        bucket, prefix = args.bucket, DAGS_PREFIX
    elif args.stack:
        bucket, prefix = stack_target(args.stack, args.pulumi_dir)
    else:
        raise DeployError(
            "no target: pass STACK=<mwaa stack> (read through `pulumi stack output`) or BUCKET=<the MWAA source bucket>"
        )
    sync_dags(boto3.client("s3"), args.source, bucket, args.prefix or prefix, dry_run=args.dry_run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mwaa", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    artifacts = commands.add_parser("artifacts", help="build requirements.txt, plugins.zip and startup.sh")
    artifacts.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "mwaa")
    artifacts.add_argument("--plugins", type=Path, default=REPO_ROOT / "plugins", help="plugin tree to zip")
    artifacts.add_argument(
        "--constraints", type=Path, help="local copy of the upstream constraints file: fail on any pin it contradicts"
    )
    artifacts.set_defaults(run=_artifacts)

    deploy = commands.add_parser("deploy-dags", help="sync the DAG folder to the MWAA bucket's DAG prefix")
    deploy.add_argument("--stack", help="MWAA stack whose dagsS3Uri output names the bucket and prefix")
    deploy.add_argument("--bucket", help="the MWAA source bucket, instead of reading the stack")
    deploy.add_argument("--prefix", help=f"DAG folder in the bucket (default: the stack's, or {DAGS_PREFIX})")
    deploy.add_argument("--source", type=Path, default=REPO_ROOT / "dags", help="local DAG folder")
    deploy.add_argument("--pulumi-dir", type=Path, default=REPO_ROOT, help="folder of the Pulumi project")
    deploy.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    deploy.set_defaults(run=_deploy_dags)

    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ArtifactError, DeployError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
