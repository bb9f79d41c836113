"""Entry point the Pulumi CLI runs for `--policy-pack policy`: serves the rules until the engine is done."""

from airflow_aws_policies import PACK_NAME, POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name=PACK_NAME, policies=list(POLICIES))
