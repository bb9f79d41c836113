"""What the stack derives from its `teams:` (pure, no pulumi import): each team's IRSA role and its scope, and the
plain facts the chart values need (team_values.py), which the workloads stage receives through ChartInputs.

Every team gets the shared workers' grant (task logs, its secrets, the platform key through Secrets Manager and
S3) under its own service account, with its own secrets prefixes in place of the shared ones and its data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

from airflow_settings.render import SecretPrefixes, team_secret_prefixes
from airflow_settings.teams import Team
from infra.components import SERVICE_ROLES, ServiceRole
from infra.team_config import DataAccessConfig, TeamConfig, team_service_account


@dataclass(frozen=True)
class RoleScope:
    """What one IRSA role reads instead of the shared prefixes: a team worker set's own."""

    secret_prefixes: SecretPrefixes
    """The only prefixes it may read under."""
    data: tuple[DataAccessConfig, ...] = ()
    """The S3 data it may use besides task logs."""


@dataclass(frozen=True)
class TeamRelease:
    """One team as the chart values need it: plain values, JSON-serialisable (workloads_inputs.py)."""

    name: str
    """The team's name: its worker set's name."""
    queue: str
    """The queue its worker set serves."""
    role: str
    """Its UI role."""
    pools: Mapping[str, int]
    """Its pools, name -> slots."""
    cpu: str
    """CPU request of each worker pod."""
    memory: str
    """Memory request and limit of each worker pod."""
    min_replicas: int
    """KEDA's lower bound for the set."""
    max_replicas: int
    """KEDA's upper bound for the set."""
    role_arn: str
    """Its worker set's IRSA role."""
    connections_prefix: str
    """Where its task runners look connections up."""
    variables_prefix: str
    """Where its task runners look variables up."""

    def team(self) -> Team:
        return Team(name=self.name, queue=self.queue, pools=dict(self.pools), role=self.role)


def team_role_key(team: str) -> str:
    """The key of a team's role among the stack's IRSA roles (beside the components' values keys)."""
    return f"team-{team}"


def team_service_roles(teams: Sequence[TeamConfig]) -> dict[str, ServiceRole]:
    """Role key -> the team worker set's grant: the shared workers' (task logs, secrets), its own account."""
    return {
        team_role_key(entry.name): replace(SERVICE_ROLES["workers"], service_account=team_service_account(entry.name))
        for entry in teams
    }


def team_scopes(teams: Sequence[TeamConfig], shared: SecretPrefixes) -> dict[str, RoleScope]:
    """Role key -> the team's own secrets prefixes (within the stack's) and data."""
    return {
        team_role_key(entry.name): RoleScope(team_secret_prefixes(shared, entry.name), tuple(entry.data))
        for entry in teams
    }


def team_releases(
    teams: Sequence[TeamConfig], role_arns: Mapping[str, str], shared: SecretPrefixes
) -> tuple[TeamRelease, ...]:
    """The eks stack's teams for the chart; `role_arns` by team_role_key."""
    releases = []
    for entry in teams:
        assert entry.queue is not None and entry.worker_set is not None  # team_problems requires both on eks
        prefixes = team_secret_prefixes(shared, entry.name)
        releases.append(
            TeamRelease(
                name=entry.name,
                queue=entry.queue,
                role=entry.role,
                pools=dict(entry.pools),
                cpu=entry.worker_set.cpu,
                memory=entry.worker_set.memory,
                min_replicas=entry.worker_set.min_replicas,
                max_replicas=entry.worker_set.max_replicas,
                role_arn=role_arns[team_role_key(entry.name)],
                connections_prefix=prefixes.connections,
                variables_prefix=prefixes.variables,
            )
        )
    return tuple(releases)


def team_secret_outputs(teams: Sequence[TeamConfig], shared: SecretPrefixes) -> dict[str, dict[str, str]]:
    """Team -> where its connections and variables go: the stack's `teamSecretPrefixes` output."""
    return {entry.name: asdict(team_secret_prefixes(shared, entry.name)) for entry in teams}
