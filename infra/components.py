"""The Airflow components the chart runs that the infrastructure wires, each fact about them written once.

Pure (no pulumi import). The chart values (helm_values.py: service accounts, disruption budgets) and the IRSA
roles (service_roles.py, iam_documents.airflow_component_policy) both read COMPONENTS; the views below are
derived from it, so the two can never disagree on which component gets what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LogAccess = Literal["write", "read", "none"]


@dataclass(frozen=True)
class ServiceRole:
    """A component's IRSA role: the service account it trusts and the AWS access its policy grants."""

    service_account: str
    """Kubernetes service account name, pinned in the values so the role's trust can name it up front."""
    logs: LogAccess
    """Task logs in the logs bucket: write (and read), read, or none."""
    reads_secrets: bool
    """Whether it reads connections and variables from the Secrets Manager backend prefixes."""


@dataclass(frozen=True)
class AirflowComponent:
    values_key: str
    """The component's key in the chart values, e.g. workers or apiServer."""
    role: ServiceRole | None
    """Its IRSA role, or None for a component that calls no AWS API (it keeps the chart's service account)."""
    pod_disruption_budget: bool
    """Whether it gets a PodDisruptionBudget (maxUnavailable 1), so node drains never stop all replicas."""


COMPONENTS: tuple[AirflowComponent, ...] = (
    # Workers write task logs and read connections/variables while tasks run.
    AirflowComponent(
        "workers", role=ServiceRole("airflow-worker", logs="write", reads_secrets=True), pod_disruption_budget=True
    ),
    # The triggerer writes the logs of deferred tasks.
    AirflowComponent(
        "triggerer", role=ServiceRole("airflow-triggerer", logs="write", reads_secrets=True), pod_disruption_budget=True
    ),
    # The API server serves logs to the UI and hands secrets to tasks (Airflow 3 execution API).
    AirflowComponent(
        "apiServer", role=ServiceRole("airflow-api-server", logs="read", reads_secrets=True), pod_disruption_budget=True
    ),
    # The scheduler resolves connections for callbacks; it never touches task logs.
    AirflowComponent(
        "scheduler", role=ServiceRole("airflow-scheduler", logs="none", reads_secrets=True), pod_disruption_budget=True
    ),
    # DAG files may read variables at parse time.
    AirflowComponent(
        "dagProcessor",
        role=ServiceRole("airflow-dag-processor", logs="none", reads_secrets=True),
        pod_disruption_budget=True,
    ),
    # pgbouncer only pools connections to RDS: it needs no AWS access, but all metadata DB traffic crosses it.
    AirflowComponent("pgbouncer", role=None, pod_disruption_budget=True),
)

SERVICE_ROLES: dict[str, ServiceRole] = {c.values_key: c.role for c in COMPONENTS if c.role is not None}
"""Values key -> IRSA role, for the components that get one."""
SERVICE_ACCOUNTS: dict[str, str] = {key: role.service_account for key, role in SERVICE_ROLES.items()}
"""Values key -> the service account name we pin."""
PDB_COMPONENTS: tuple[str, ...] = tuple(c.values_key for c in COMPONENTS if c.pod_disruption_budget)
"""Values keys of the components with a PodDisruptionBudget."""
