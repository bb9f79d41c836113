"""MWAA: the managed Airflow target."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

from ._base import (
    ADVISORY,
    MANDATORY,
    AwsResourcePolicy,
    AwsStackPolicy,
    as_list,
    label,
    of_type,
    prop,
    truthy,
)

ENVIRONMENT = "aws:mwaa/environment:Environment"
SUBNET = "aws:ec2/subnet:Subnet"

LOG_TYPES = ("dagProcessingLogs", "schedulerLogs", "taskLogs", "webserverLogs", "workerLogs")


def _private_webserver(args: ResourceValidationArgs) -> Iterator[str]:
    # MWAA's own default is PRIVATE_ONLY; only an explicit PUBLIC_ONLY opens the UI to the Internet.
    if args.props.get("webserverAccessMode") == "PUBLIC_ONLY":
        yield (f"{label(args)} serves the Airflow UI on the Internet: set webserver_access_mode='PRIVATE_ONLY'.")


def _logging(args: ResourceValidationArgs) -> Iterator[str]:
    config = args.props.get("loggingConfiguration") or {}
    off = [t for t in LOG_TYPES if not truthy(prop(config, t, "enabled"))]
    if off:
        yield (f"{label(args)} does not send {', '.join(off)} to CloudWatch: enable them in logging_configuration.")


def _two_azs(args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    subnets = {}
    for subnet in of_type(args.resources, SUBNET):
        for key in ("id", "arn"):
            if isinstance(value := subnet.props.get(key), str):
                subnets[value] = subnet
    for environment in of_type(args.resources, ENVIRONMENT):
        ids = as_list(prop(environment.props, "networkConfiguration", "subnetIds"))
        if len(ids) != 2:
            yield (
                f"{label(environment)} has {len(ids)} subnet(s): MWAA needs exactly two private subnets in "
                "different AZs.",
                environment.urn,
            )
            continue
        zones = {subnets[i].props.get("availabilityZone") for i in ids if i in subnets}
        if len(zones) == 1 and all(i in subnets for i in ids):
            yield (
                f"{label(environment)} puts both subnets in {zones.pop()}: use subnets in two AZs.",
                environment.urn,
            )


def _cmk(args: ResourceValidationArgs) -> Iterator[str]:
    if not args.props.get("kmsKey"):
        yield f"{label(args)} encrypts with an AWS-owned key: set kms_key to the stack's CMK."


POLICIES = [
    AwsResourcePolicy(
        "mwaa-private-webserver",
        "The MWAA web server is reachable only from the VPC.",
        [ENVIRONMENT],
        _private_webserver,
        MANDATORY,
        "Set webserver_access_mode='PRIVATE_ONLY'.",
    ),
    AwsResourcePolicy(
        "mwaa-logging",
        "MWAA sends DAG processing, scheduler, task, web server and worker logs to CloudWatch.",
        [ENVIRONMENT],
        _logging,
        MANDATORY,
        "Enable all five log types in logging_configuration.",
    ),
    AwsStackPolicy(
        "mwaa-two-azs",
        "MWAA runs in exactly two private subnets in different AZs.",
        [ENVIRONMENT],
        _two_azs,
        MANDATORY,
        "Pass two private subnets from different AZs.",
    ),
    AwsResourcePolicy(
        "mwaa-cmk",
        "MWAA encrypts its data with the stack's customer-managed KMS key.",
        [ENVIRONMENT],
        _cmk,
        ADVISORY,
        "Set kms_key.",
    ),
]
