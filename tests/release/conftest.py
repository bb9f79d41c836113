"""The prod release (Git DAG bundle) started on podman from its render, beside the stand-ins for AWS.

Stand-ins, each on loopback:
- RDS: Debian PostgreSQL with the test CA's certificate, refusing TCP clients without SSL (rds.force_ssl=1),
  reached by the pods only through the chart's pgbouncer, whose config is the program's (release_secret_data);
- ElastiCache: Debian redis-server speaking TLS only, with an AUTH token, at the broker URL the program builds;
- S3 and Secrets Manager (and STS, for IRSA's web identity): moto's server, at AWS_ENDPOINT_URL;
- the DAG repository (GitHub): a bare git repository served by `git daemon` on loopback, which the git connection
  points at.

Not started, and why: the statsd Deployment (its image isn't built here; Airflow's metrics go to a closed UDP
port), pgbouncer's metrics-exporter sidecar (the chart's exporter, jbub/pgbouncer_exporter, is not served by the
Go module proxy here), the database-cleanup CronJob (nothing schedules it). Nothing stands in for the Ingress
(the test reaches the api-server's port directly), KEDA's ScaledObject (one worker runs), the
PodDisruptionBudgets or the NetworkPolicies (host network).
"""

from __future__ import annotations

import configparser
import contextlib
import json
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography.fernet import Fernet

from airflow_settings.git_bundle import git_connection_env
from infra.airflow_namespace import release_secret_data
from infra.broker import REDIS_PORT, broker_url
from infra.helm_values import SECRET_NAMES
from local_airflow.compose import DATABASE_NAME, DATABASE_PASSWORD, DATABASE_USER
from local_airflow.processes import free_port, wait_for
from local_airflow.rest_client import AirflowClient
from local_airflow.services import GitRepo, MotoAWS, PostgreSQL, Redis
from tests.containers import AIRFLOW_IMAGE, build_stand_in, make_image
from tests.helm.chart_utils import render_stack
from tests.release.certificates import TestCA
from tests.release.pods import Pod, PodRunner, Release, StandIns

STACK = "prod"
RDS_HOST = "airflow-prod-db.c0release.eu-west-1.rds.amazonaws.com"
BROKER_HOST = "master.airflow-prod-broker.c0release.euw1.cache.amazonaws.com"
# Debian's trust store, which Python's ssl, libpq and git read in the image.
TRUST_STORE = "/etc/ssl/certs/ca-certificates.crt"
API_SERVER = "airflow-api-server"
LONG_RUNNING = ("airflow-pgbouncer", "airflow-scheduler", "airflow-dag-processor", API_SERVER)
LONG_RUNNING += ("airflow-triggerer", "airflow-worker")
SKIPPED_CONTAINERS = frozenset({"metrics-exporter"})


@dataclass
class RunningRelease:
    """The started release and what the tests reach it through."""

    runner: PodRunner
    pods: dict[str, Pod]
    jobs: dict[str, Pod]
    api: AirflowClient
    aws: MotoAWS
    git: GitRepo
    region: str
    logs_bucket: str
    logs_prefix: str
    connections_prefix: str

    def platform_client(self, service: str) -> Any:
        return account_client(self.aws, self.runner.role_of(self.pods["airflow-worker"]), self.region, service)


def account_client(aws: MotoAWS, role: str, region: str, service: str) -> Any:
    """A client in the account of `role`, the stack's: moto keeps each account's resources apart, and the pods'
    IRSA credentials are their role's account's."""
    credentials = aws.client("sts", region).assume_role(RoleArn=role, RoleSessionName="release-test")
    keys = credentials["Credentials"]
    return boto3.client(
        service,
        endpoint_url=aws.endpoint_url,
        region_name=region,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )


def local_images(release: Release) -> dict[str, str]:
    """The rendered image references -> local images: ours (make image), pgbouncer from Debian."""
    make_image()
    images: dict[str, str] = {}
    for deployment in [*release.of_kind("Deployment").values(), *release.of_kind("Job").values()]:
        spec = deployment["spec"]["template"]["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            reference = container["image"]
            if "airflow-pgbouncer-2" in reference:
                images[reference] = reference
            elif "/airflow@" in reference or reference.rsplit(":", 1)[0].endswith("/airflow"):
                images[reference] = f"localhost/{AIRFLOW_IMAGE}"
    pgbouncer = {reference for reference, local in images.items() if local == reference}
    assert len(pgbouncer) == 1, f"one pgbouncer image expected in the render, found {pgbouncer}"
    build_stand_in(pgbouncer.pop(), "images/pgbouncer")
    return images


def airflow_config(release: Release) -> configparser.ConfigParser:
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(release.of_kind("ConfigMap")["airflow-config"]["data"]["airflow.cfg"])
    return config


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


@pytest.fixture(scope="session")
def work_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="release-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def release() -> Release:
    rendered = render_stack(STACK)
    return Release(namespace=rendered.namespace, documents=rendered.documents)


@pytest.fixture(scope="session")
def running(release: Release, work_dir: Path) -> Iterator[RunningRelease]:
    ca = TestCA(work_dir)
    postgres = PostgreSQL(free_port(), tls=ca.server("rds", [RDS_HOST]))
    auth_token = secrets.token_urlsafe(32)
    redis = Redis(REDIS_PORT, work_dir / "redis", tls=ca.server("elasticache", [BROKER_HOST]), password=auth_token)
    aws = MotoAWS(free_port())
    git = GitRepo(work_dir / "dags.git")
    git_port = free_port()
    rendered = render_stack(STACK)
    config = airflow_config(release)
    logs_bucket, _, logs_prefix = config["logging"]["remote_base_log_folder"].removeprefix("s3://").partition("/")
    connections_prefix = json.loads(config["secrets"]["backend_kwargs"])["connections_prefix"]
    # The image's trust store plus the test CA, as the Amazon CAs are in it on AWS.
    trust_store = work_dir / "ca-certificates.crt"
    trust_store.write_text(Path(TRUST_STORE).read_text() + ca.certificate.read_text())
    trust_store.chmod(0o644)
    database = {
        "host": RDS_HOST,
        "port": postgres.port,
        "dbname": DATABASE_NAME,
        "username": DATABASE_USER,
        "password": DATABASE_PASSWORD,
    }
    generated = {
        "fernet-key": Fernet.generate_key().decode(),
        "jwt-secret": secrets.token_urlsafe(32),
        "api-secret-key": secrets.token_urlsafe(32),
        "admin-password": secrets.token_urlsafe(16),
    }
    data = release_secret_data(
        database, broker_url(BROKER_HOST, auth_token), generated, rendered.values, release.namespace
    )
    stand_ins = StandIns(
        secrets={SECRET_NAMES[role]: contents for role, contents in data.items()},
        images=local_images(release),
        aws_endpoint=aws.endpoint_url,
        region=rendered.values["env"][0]["value"],
        hosts=(RDS_HOST, BROKER_HOST),
        env=git_connection_env(f"git://127.0.0.1:{git_port}/{git.path.name}"),
        mounts={trust_store: TRUST_STORE},
        skip=SKIPPED_CONTAINERS,
    )
    runner = PodRunner(release, stand_ins, work_dir)
    started: list[object] = []
    pool: ThreadPoolExecutor | None = None
    daemon: subprocess.Popen | None = None
    try:
        for service in (postgres, redis, aws):
            service.start()
            started.append(service)
        pods = {name: runner.pod_of("Deployment", name) for name in LONG_RUNNING}
        account_client(aws, runner.role_of(pods["airflow-worker"]), stand_ins.region, "s3").create_bucket(
            Bucket=logs_bucket, CreateBucketConfiguration={"LocationConstraint": stand_ins.region}
        )
        git.init()
        daemon = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={work_dir}", "--listen=127.0.0.1"]
            + [f"--port={git_port}", str(work_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _answers(git_port), 10, "git daemon to listen")
        runner.hostnames(list(pods.values()))
        jobs = {base: name for name in release.of_kind("Job") for base in ("migrations", "create-user") if base in name}
        # As `helm install` creates them: the Jobs and every Deployment at once; the pods' init containers wait
        # for the migrations.
        pool = ThreadPoolExecutor(max_workers=len(pods) + len(jobs))
        job_runs = {base: pool.submit(runner.run_job, name) for base, name in jobs.items()}
        starts = [pool.submit(lambda pod: runner.wait_ready(runner.start(pod)), pod) for pod in pods.values()]
        # The first failure ends the start-up, instead of waiting on pods that wait on the failed one (the
        # teardown's removal of the containers ends those waits).
        done, _ = wait([*job_runs.values(), *starts], return_when=FIRST_EXCEPTION)
        for future in done:
            future.result()
        api = AirflowClient(
            f"http://127.0.0.1:{int(rendered.values['ports']['apiServer'])}", "admin", generated["admin-password"]
        )
        yield RunningRelease(
            runner=runner,
            pods=pods,
            jobs={base: future.result() for base, future in job_runs.items()},
            api=api,
            aws=aws,
            git=git,
            region=stand_ins.region,
            logs_bucket=logs_bucket,
            logs_prefix=logs_prefix,
            connections_prefix=connections_prefix,
        )
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait(10)
        if pool:
            pool.shutdown(wait=False, cancel_futures=True)
        runner.remove()
        for service in reversed(started):
            if isinstance(service, PostgreSQL):
                service.remove()
            else:
                service.stop()
