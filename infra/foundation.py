"""What both targets build first: the platform key, the network and the buckets; and the secret prefixes they
export."""

from __future__ import annotations

import pulumi_aws as aws

from airflow_settings.render import SecretPrefixes
from infra.config import StackConfig
from infra.encryption import AutoscalingRole, PlatformKey, PlatformKeyArgs
from infra.iam_documents import AUTOSCALING_SERVICE, AUTOSCALING_SERVICE_ROLE
from infra.network import MWAA_INTERFACE_ENDPOINTS, Network, NetworkArgs
from infra.presets import disposable
from infra.storage import BucketRole, Storage, StorageArgs


def foundation(
    config: StackConfig, zones: list[str], account_id: str, buckets: tuple[BucketRole, ...]
) -> tuple[PlatformKey, Network, Storage]:
    prefix = config.name_prefix
    key = PlatformKey(
        f"{prefix}-kms",
        PlatformKeyArgs(
            alias=prefix,
            account_id=account_id,
            region=config.region,
            allow_cloudwatch_logs=config.target == "mwaa",
            # EKS node groups launch through Auto Scaling with volumes the key encrypts.
            autoscaling_role=_autoscaling_role() if config.target == "eks" else "none",
        ),
    )
    network = Network(
        f"{prefix}-net",
        NetworkArgs(
            network=config.network,
            zones=zones,
            region=config.region,
            extra_interface_endpoints=MWAA_INTERFACE_ENDPOINTS if config.target == "mwaa" else (),
        ),
    )
    storage = Storage(
        f"{prefix}-storage",
        StorageArgs(
            name_prefix=prefix,
            kms_key_arn=key.arn,
            storage=config.storage,
            buckets=buckets,
            force_destroy=disposable(config.size),
        ),
    )
    return key, network, storage


def _autoscaling_role() -> AutoscalingRole:
    """Whether the account already has EC2 Auto Scaling's service-linked role, which the key policy names: the
    lookup answers an empty list, not an error, when it does not."""
    existing = aws.iam.get_roles(
        path_prefix=f"/aws-service-role/{AUTOSCALING_SERVICE}/", name_regex=f"^{AUTOSCALING_SERVICE_ROLE}$"
    )
    return "existing" if existing.arns else "create"


def secret_outputs(prefixes: SecretPrefixes) -> dict[str, str]:
    """Where operators store connections and variables for the stack's secrets backend."""
    return {"connectionsPrefix": prefixes.connections, "variablesPrefix": prefixes.variables}
