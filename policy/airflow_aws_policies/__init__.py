"""The Airflow-on-AWS policy pack's rules, importable without starting the pack.

`policy/__main__.py` hands `POLICIES` to `PulumiPolicy`'s `PolicyPack`, which blocks while it serves
the engine; tests and tools import this package instead.
"""

from __future__ import annotations

from . import alerting, ecr, eks, elasticache, iam, kubernetes, logs, mwaa, network, rds, s3, secrets, tagging
from ._base import ENVIRONMENT_TAG, PRODUCTION_ENVIRONMENTS, AwsResourcePolicy, AwsStackPolicy

PACK_NAME = "airflow-aws"

POLICIES: list[AwsResourcePolicy | AwsStackPolicy] = [
    *rds.POLICIES,
    *elasticache.POLICIES,
    *s3.POLICIES,
    *secrets.POLICIES,
    *eks.POLICIES,
    *mwaa.POLICIES,
    *iam.POLICIES,
    *network.POLICIES,
    *ecr.POLICIES,
    *logs.POLICIES,
    *alerting.POLICIES,
    *kubernetes.POLICIES,
    *tagging.POLICIES,
]


def covered_types() -> frozenset[str]:
    """Every resource type at least one rule inspects."""
    return frozenset(t for policy in POLICIES for t in policy.resource_types)


def rule_rows() -> list[tuple[str, str, str]]:
    """(name, enforcement level, description) of every rule, in pack order: what the docs list."""
    return [(policy.name, policy.enforcement_level.value, policy.description) for policy in POLICIES]


__all__ = [
    "ENVIRONMENT_TAG",
    "PACK_NAME",
    "POLICIES",
    "PRODUCTION_ENVIRONMENTS",
    "covered_types",
    "rule_rows",
]
