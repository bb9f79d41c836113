"""The stack config's `teams:` section and its rules (pure, no pulumi import).

A team entry is airflow_settings' Team (name, queue, pools, UI role) plus what the AWS targets need: on eks a
Celery worker set of its own and the S3 data its tasks may use, both reached through the team's own IRSA role
(infra/teams.py). `team_problems` holds the entries to the roster rules (airflow_settings.teams) and to what each
target can give: MWAA runs one worker fleet under one execution role, so a queue, a worker set or data of a team's
own are refused there, with the way out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, StrictInt, StrictStr, model_validator

from airflow_settings.teams import Team, roster_problems
from infra.config_rules import AUTONAME_SUFFIX, S3_RESERVED_PREFIXES
from infra.config_sections import ConfigSection

QUANTITY = r"^\d+(\.\d+)?(m|Ki|Mi|Gi)?$"
"""A Kubernetes resource quantity as the worker set takes it: 500m, 2, 1Gi, 512Mi."""
IRSA_ROLE_LIMIT = 64
"""IAM role names: up to 64 characters. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"""


class WorkerSetConfig(ConfigSection):
    cpu: Annotated[StrictStr, Field(pattern=QUANTITY)] = "500m"
    """CPU request of each worker pod (no CPU limit, like every pod of the release). Defaults to 500m."""
    memory: Annotated[StrictStr, Field(pattern=QUANTITY)] = "2Gi"
    """Memory request and limit of each worker pod: a team's worker never takes more than it asked for.
    Defaults to 2Gi."""
    min_replicas: Annotated[StrictInt, Field(ge=0)] = 0
    """Fewest worker pods KEDA keeps; 0 lets an idle team's workers scale to zero. Defaults to 0."""
    max_replicas: Annotated[StrictInt, Field(ge=1)] = 4
    """Most worker pods KEDA scales to on the team's queue. Note: minReplicas <= maxReplicas. Defaults to 4.
    https://keda.sh/docs/latest/reference/scaledobject-spec/"""

    @model_validator(mode="after")
    def _bounds_ordered(self) -> WorkerSetConfig:
        if self.min_replicas > self.max_replicas:
            raise ValueError(
                f"minReplicas {self.min_replicas} is above maxReplicas {self.max_replicas}; fix: swap them, or raise "
                "maxReplicas"
            )
        return self


class DataAccessConfig(ConfigSection):
    bucket: StrictStr
    """An S3 bucket the team's tasks may use: its name or its ARN (arn:aws:s3:::<name>)."""
    prefix: StrictStr = ""
    """The key prefix within the bucket, ending with `/` (raw/sales/); empty for the whole bucket. Defaults to
    the whole bucket."""
    access: Literal["read", "write"] = "read"
    """read: list and get; write: also put and delete. Defaults to read."""

    @property
    def bucket_name(self) -> str:
        return self.bucket.removeprefix("arn:aws:s3:::")

    @property
    def bucket_arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket_name}"


class TeamConfig(Team, ConfigSection):
    worker_set: WorkerSetConfig | None = None
    """eks only, required there: the team's own Celery worker pods, serving its queue only, under its own
    service account and IRSA role. Refused on mwaa (one shared worker fleet)."""
    data: list[DataAccessConfig] = []
    """eks only: the S3 data the team's tasks may use, granted to its IRSA role alone (and to no other team).
    Defaults to none."""

    def team(self) -> Team:
        """The Airflow side of the entry (what the roster carries)."""
        return Team(name=self.name, queue=self.queue, pools=self.pools, role=self.role)


def team_problems(
    teams: Sequence[TeamConfig], *, target: str, name_prefix: str, pod_launching: bool = False
) -> list[str]:
    """The stack's teams as the roster rules and the target allow; "key: problem; fix: ..." each."""
    problems = roster_problems([entry.team() for entry in teams])
    for index, entry in enumerate(teams):
        where = f"teams[{index}]"
        if target == "mwaa":
            problems += _mwaa_problems(where, entry)
            continue
        problems += [
            f"{where}.{key}: missing, required on eks; fix: {fix}"
            for key, present, fix in (
                ("queue", entry.queue, f"name the queue the team's workers serve, e.g. {entry.name}"),
                ("workerSet", entry.worker_set, "set workerSet (cpu, memory, minReplicas, maxReplicas)"),
            )
            if not present
        ]
        role = f"{name_prefix}-irsa-{team_service_account(entry.name)}"
        if len(role) + AUTONAME_SUFFIX > IRSA_ROLE_LIMIT:
            problems.append(
                f"{where}.name: the team's IAM role {role}-<7 hex> would be {len(role) + AUTONAME_SUFFIX} "
                f"characters, over AWS's limit of {IRSA_ROLE_LIMIT}; fix: shorten the team name to at most "
                f"{IRSA_ROLE_LIMIT - AUTONAME_SUFFIX - len(role) + len(entry.name)} characters, or namePrefix"
            )
        problems += [
            problem
            for number, grant in enumerate(entry.data)
            for problem in _data_problems(f"{where}.data[{number}]", grant)
        ]
    if teams and pod_launching and target == "eks":
        problems.append(
            "chart.podLaunching: the chart binds its pod-launcher role to the shared workers' service account only, "
            "so a team's tasks could not launch pods from its own worker set; fix: set podLaunching to false, or "
            "run pod-launching tasks on the shared (default) queue without teams"
        )
    return problems


def team_service_account(team: str) -> str:
    """The Kubernetes service account of a team's worker set, which its IRSA role trusts."""
    return f"airflow-worker-{team}"


def _mwaa_problems(where: str, entry: TeamConfig) -> list[str]:
    fixes = (
        ("queue", entry.queue, "MWAA's workers serve one queue, so the team's tasks would never run"),
        ("workerSet", entry.worker_set, "MWAA scales one worker fleet for all tasks (mwaa.minWorkers/maxWorkers)"),
        (
            "data",
            entry.data,
            "every MWAA task runs under the environment's one execution role, so data granted to "
            "one team is granted to all",
        ),
    )
    return [
        f"{where}.{key}: not available on mwaa: {why}; fix: remove {key} (pools and the UI role still apply), or "
        "deploy the teams on eks, where each gets its own queue, workers and IAM role (docs/teams.md)"
        for key, present, why in fixes
        if present
    ]


def _data_problems(where: str, grant: DataAccessConfig) -> list[str]:
    problems = []
    name = grant.bucket_name
    if grant.bucket.startswith("arn:") and not grant.bucket.startswith("arn:aws:s3:::"):
        problems.append(f"{where}.bucket: {grant.bucket!r} is not an S3 bucket ARN; fix: use arn:aws:s3:::<name>")
    elif not _valid_bucket_name(name):
        problems.append(
            f"{where}.bucket: {name!r} is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and "
            "dashes, starting and ending with a letter or digit, not an IP address, not a reserved prefix); fix: "
            "use the bucket's exact name or arn:aws:s3:::<name>"
        )
    if grant.prefix and (grant.prefix.startswith("/") or not grant.prefix.endswith("/")):
        problems.append(
            f"{where}.prefix: {grant.prefix!r} must not start with / and must end with /, so the grant covers that "
            "folder only (raw/ would otherwise also match raw-archive/); fix: e.g. raw/sales/, or empty for the "
            "whole bucket"
        )
    if re.search(r"[*?$]", grant.prefix):
        problems.append(
            f"{where}.prefix: {grant.prefix!r} holds an IAM wildcard or variable; fix: name the folder literally"
        )
    return problems


def _valid_bucket_name(name: str) -> bool:
    """S3's general purpose bucket naming rules. https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"""
    return bool(
        re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name)
        and ".." not in name
        and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name)
        and not name.startswith(("xn--", *S3_RESERVED_PREFIXES))
    )
