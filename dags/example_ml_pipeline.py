"""
### ML pipeline on KubernetesPodOperator: feature prep → train → evaluate → publish if good enough

Each step runs in a pod of its own, from our image, as `python -m ml_steps <step>` (the `ml_steps` package is
installed in the image from the lock, so the pods need nothing from the DAG repository). Steps hand each other S3
locations under `s3://ml-<env>-churn/runs/<run_id>/`; `evaluate` also returns its metrics through the
KubernetesPodOperator XCom sidecar, and `quality_gate` short-circuits `publish` when accuracy is below the
`min_accuracy` param.

Every pod meets the Pod Security Standard `restricted` (non-root, no privilege escalation, all capabilities
dropped, RuntimeDefault seccomp, read-only root filesystem), requests and limits its CPU and memory, and reaches S3
as the `ml-pipeline` service account, whose IRSA role annotation lives on the service account: no credential is
ever in the pod's environment.

**Connections:** `kubernetes_default` (in-cluster on EKS).
**Environment:** `AIRFLOW_ENV_ID` (default `dev`) names the bucket; `ML_STEPS_IMAGE` (default the local
`make image` tag) and `ML_PIPELINE_NAMESPACE` (default `airflow`) say where the pods run.
"""

from __future__ import annotations

import os
from importlib.metadata import version

import pendulum
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import Param, chain, dag, task
from kubernetes.client import models as k8s
from ml_steps.model import good_enough

ENV_ID = os.environ.get("AIRFLOW_ENV_ID", "dev")
BUCKET = f"ml-{ENV_ID}-churn"
RUN_PREFIX = f"s3://{BUCKET}/runs/{{{{ run_id }}}}"
IMAGE = os.environ.get("ML_STEPS_IMAGE", f"airflow-on-aws:{version('apache-airflow')}")
NAMESPACE = os.environ.get("ML_PIPELINE_NAMESPACE", "airflow")
# Created with the platform (not by this DAG): its eks.amazonaws.com/role-arn annotation names an IAM role allowed
# only this bucket, so the pods get S3 credentials from IRSA's web identity token.
SERVICE_ACCOUNT = "ml-pipeline"
# The image's uid (the official image's 50000) in the root group, as the chart runs Airflow itself.
AIRFLOW_UID = 50000

# [START howto_restricted_pod]
POD_SECURITY_CONTEXT = k8s.V1PodSecurityContext(
    run_as_non_root=True,
    run_as_user=AIRFLOW_UID,
    run_as_group=0,
    fs_group=0,
    seccomp_profile=k8s.V1SeccompProfile(type="RuntimeDefault"),
)
CONTAINER_SECURITY_CONTEXT = k8s.V1SecurityContext(
    allow_privilege_escalation=False,
    capabilities=k8s.V1Capabilities(drop=["ALL"]),
    read_only_root_filesystem=True,
    run_as_non_root=True,
)
# [END howto_restricted_pod]
# A read-only root filesystem still needs somewhere for temporary files.
TMP_VOLUME = k8s.V1Volume(name="tmp", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="1Gi"))
TMP_MOUNT = k8s.V1VolumeMount(name="tmp", mount_path="/tmp")
STEP_ENV = {
    # The image's entrypoint waits for the metadata DB before any command; a step never talks to it.
    "CONNECTION_CHECK_MAX_COUNT": "0",
    "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
}


def resources(cpu: str, memory: str) -> k8s.V1ResourceRequirements:
    """Requests equal to limits: the scheduler places the pod where it fits, and it never starves a neighbour."""
    return k8s.V1ResourceRequirements(requests={"cpu": cpu, "memory": memory}, limits={"cpu": cpu, "memory": memory})


def ml_step(task_id: str, arguments: list[str], *, cpu: str = "500m", memory: str = "512Mi", **kwargs):
    """One pipeline step as a pod: our image's entrypoint runs `python -m ml_steps <arguments>`."""
    return KubernetesPodOperator(
        task_id=task_id,
        name=f"ml-{task_id.replace('_', '-')}",
        namespace=NAMESPACE,
        image=IMAGE,
        arguments=["python", "-m", "ml_steps", *arguments],
        env_vars=STEP_ENV,
        service_account_name=SERVICE_ACCOUNT,
        # The steps never call the Kubernetes API; IRSA mounts its own token, so the API token stays out.
        automount_service_account_token=False,
        security_context=POD_SECURITY_CONTEXT,
        container_security_context=CONTAINER_SECURITY_CONTEXT,
        container_resources=resources(cpu, memory),
        volumes=[TMP_VOLUME],
        volume_mounts=[TMP_MOUNT],
        labels={"app.kubernetes.io/part-of": "ml-pipeline", "app.kubernetes.io/component": task_id},
        get_logs=True,
        on_finish_action="delete_succeeded_pod",
        **kwargs,
    )


@dag(
    schedule="@weekly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "ml", "kubernetes"],
    default_args={"owner": "data-platform", "retries": 1, "retry_delay": pendulum.duration(minutes=5)},
    params={"min_accuracy": Param(0.75, type="number", minimum=0, maximum=1)},
    doc_md=__doc__,
)
def example_ml_pipeline():
    # [START howto_ml_pipeline]
    prepare_features = ml_step(
        "prepare_features",
        ["prepare-features", "--raw", f"s3://{BUCKET}/raw/customers/{{{{ ds }}}}.csv"]
        + ["--features", f"{RUN_PREFIX}/features.json"],
        do_xcom_push=False,
    )
    train = ml_step(
        "train",
        ["train", "--features", f"{RUN_PREFIX}/features.json", "--model", f"{RUN_PREFIX}/model.json"],
        cpu="1",
        memory="2Gi",
        do_xcom_push=False,
    )
    # do_xcom_push adds KubernetesPodOperator's sidecar, which hands /airflow/xcom/return.json to the DAG.
    evaluate = ml_step(
        "evaluate",
        ["evaluate", "--features", f"{RUN_PREFIX}/features.json", "--model", f"{RUN_PREFIX}/model.json"]
        + ["--metrics", f"{RUN_PREFIX}/metrics.json", "--xcom-file", "/airflow/xcom/return.json"],
        do_xcom_push=True,
        xcom_sidecar_container_security_context=CONTAINER_SECURITY_CONTEXT,
    )

    @task.short_circuit
    def quality_gate(metrics: dict, params=None) -> bool:
        """Publish only a model at least as accurate as the run's `min_accuracy`; otherwise skip publishing."""
        return good_enough(metrics, min_accuracy=params["min_accuracy"])

    publish = ml_step(
        "publish",
        ["publish", "--model", f"{RUN_PREFIX}/model.json", "--metrics", f"{RUN_PREFIX}/metrics.json"]
        + ["--registry", f"s3://{BUCKET}/models/churn", "--version", "{{ ds_nodash }}"],
        do_xcom_push=False,
    )

    chain(prepare_features, train, evaluate, quality_gate(evaluate.output), publish)
    # [END howto_ml_pipeline]


example_ml_pipeline()
