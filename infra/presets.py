"""Size presets: the defaults a stack gets for `size: dev` or `size: prod`, before its own config.

Every value here can be overridden key by key in `Pulumi.<stack>.yaml`. Each default carries the reason
it was chosen, so a reviewer can tell a deliberate choice from an accident.
"""

from __future__ import annotations

from typing import Any, Literal

from airflow_settings.versions import pin
from infra.mappings import deep_merge

# The chart every stack deploys unless its config pins another: the repository's one chart pin.
CHART_VERSION = pin("airflow-chart").version

Size = Literal["dev", "prod"]

PRESETS: dict[Size, dict[str, Any]] = {
    "dev": {
        # Two AZs is the minimum RDS subnet groups, ElastiCache failover and MWAA accept.
        "network": {"vpcCidr": "10.40.0.0/16", "azCount": 2, "natGatewayPerAz": False},
        "eks": {
            # In EKS standard support until 2027-03-27 (1.34's ended 2026-12-02; policy/ eks-standard-support).
            "version": "1.35",
            "endpointPublicAccess": True,
            "publicAccessCidrs": [],
            "deployerCidrs": [],
            "deployerRoleArns": [],
            "nodeGroups": [
                {
                    "name": "general",
                    "instanceTypes": ["m6i.large"],
                    "minSize": 2,
                    "maxSize": 4,
                    "desiredSize": 2,
                    "diskSizeGb": 50,
                }
            ],
        },
        "database": {
            "instanceClass": "db.t4g.medium",
            "allocatedStorageGb": 20,
            "maxAllocatedStorageGb": 100,
            "multiAz": False,
            "backupRetentionDays": 3,
            # Backups before the nightly `airflow db clean` (03:30 UTC), maintenance after it, on Sunday.
            "backupWindow": "02:00-03:00",
            "maintenanceWindow": "sun:04:00-sun:05:00",
            "copyTagsToSnapshot": True,
            # A dev stack is destroyed with its data.
            "deleteAutomatedBackups": True,
            "deletionProtection": False,
        },
        "broker": {"engine": "valkey", "nodeType": "cache.t4g.small", "replicas": 0},
        "storage": {"logRetentionDays": 30, "versioning": True},
        "mwaa": {
            "environmentClass": "mw1.small",
            "minWorkers": 1,
            "maxWorkers": 3,
            "schedulers": 2,
            "webserverAccessMode": "PRIVATE_ONLY",
            "artifactsDir": "build/mwaa",
        },
        "chart": {"version": CHART_VERSION, "namespace": "airflow", "timeoutSeconds": 1200},
        "ingress": {"enabled": False, "internal": True},
    },
    "prod": {
        # Three AZs and a NAT gateway per AZ: losing one AZ must not cut the others off the Internet.
        "network": {"vpcCidr": "10.50.0.0/16", "azCount": 3, "natGatewayPerAz": True},
        "eks": {
            "version": "1.35",
            # Production control planes are reached through the VPC (VPN or bastion) only: deployerCidrs, which
            # each prod stack sets to its own networks.
            "endpointPublicAccess": False,
            "publicAccessCidrs": [],
            "deployerCidrs": [],
            "deployerRoleArns": [],
            "nodeGroups": [
                {
                    "name": "general",
                    "instanceTypes": ["m6i.xlarge"],
                    "minSize": 3,
                    "maxSize": 9,
                    "desiredSize": 3,
                    "diskSizeGb": 100,
                }
            ],
        },
        # Multi-AZ, deletion protection and backups kept after a deletion are required in prod (config_rules.py);
        # two weeks of point-in-time restore.
        "database": {
            "instanceClass": "db.r6g.large",
            "allocatedStorageGb": 100,
            "maxAllocatedStorageGb": 500,
            "multiAz": True,
            "backupRetentionDays": 14,
            "backupWindow": "02:00-03:00",
            "maintenanceWindow": "sun:04:00-sun:05:00",
            "copyTagsToSnapshot": True,
            # Point-in-time restore outlives the instance for the retention period (required in prod).
            "deleteAutomatedBackups": False,
            "deletionProtection": True,
        },
        # One replica gives automatic failover across AZs.
        "broker": {"engine": "valkey", "nodeType": "cache.r6g.large", "replicas": 1},
        "storage": {"logRetentionDays": 90, "versioning": True},
        "mwaa": {
            "environmentClass": "mw1.medium",
            "minWorkers": 2,
            "maxWorkers": 10,
            "schedulers": 2,
            "webserverAccessMode": "PRIVATE_ONLY",
            "artifactsDir": "build/mwaa",
        },
        "chart": {"version": CHART_VERSION, "namespace": "airflow", "timeoutSeconds": 1800},
        "ingress": {"enabled": False, "internal": True},
    },
}


def disposable(size: Size) -> bool:
    """Whether a stack of this size is destroyed with its data, so that it can be created again at once: a dev
    stack's buckets (and what else holds data) are emptied on `pulumi destroy`; prod keeps every protection."""
    return size == "dev"


def with_preset(size: Size, raw: dict[str, Any]) -> dict[str, Any]:
    """The stack's raw config laid over its size preset, section by section (lists replace, not merge)."""
    return deep_merge(PRESETS[size], raw)


def preset_defaults() -> dict[str, dict[Size, Any]]:
    """Each key the presets set, as the configuration reference names it (`network.vpcCidr`,
    `eks.nodeGroups[].name`), with its dev and prod default: the reference's preset columns."""
    flat: dict[str, dict[Size, Any]] = {}
    for size, preset in PRESETS.items():
        for key, value in _leaves(preset):
            flat.setdefault(key, {})[size] = value
    return flat


def _leaves(values: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of every leaf; a list of sections reads as its first member (`key[].field`)."""
    if isinstance(values, dict):
        return [leaf for key, value in values.items() for leaf in _leaves(value, f"{prefix}{key}.")]
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return _leaves(values[0], f"{prefix[:-1]}[].")
    return [(prefix[:-1], values)]
