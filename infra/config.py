"""The typed stack configuration: read once at the edge (`stack.read_stack_config`), validated before any resource
exists.

`StackConfig.from_raw({...}, settings=...)` takes the stack's `airflow-aws:*` keys (camelCase, as written in
`Pulumi.<stack>.yaml`), lays them over the size preset (presets.py) and validates everything: the sections'
field types (config_sections.py), the rules between fields (config_rules.py, mwaa_rules.py) and the rules
between sections (here). A wrong or missing value raises `StackConfigError` naming the key, the problem and the
fix. This module does not import pulumi, so the rules are unit-tested directly (tests/infra/test_stack_config.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field, StrictStr, ValidationError, ValidationInfo, model_validator
from pydantic.alias_generators import to_camel

from airflow_settings import Settings
from airflow_settings.render import for_stack, secret_prefixes
from infra.config_rules import (
    EnvironmentTag,
    dags_problems,
    derived_names,
    eks_problems,
    environment_tag_problems,
    ingress_problems,
    name_prefix_problems,
    network_problems,
    node_group_problems,
    production_broker_problems,
    storage_problems,
)
from infra.config_sections import (
    BrokerConfig,
    ChartConfig,
    ConfigSection,
    DagsConfig,
    DatabaseConfig,
    EksConfig,
    ImageConfig,
    IngressConfig,
    MwaaConfig,
    NetworkConfig,
    ObservabilityConfig,
    StorageConfig,
)
from infra.database_rules import database_problems, production_problems
from infra.mwaa_rules import log_retention_problems, mwaa_input_problems
from infra.observability_rules import observability_problems
from infra.presets import PRESETS, Size, with_preset
from infra.team_config import TeamConfig, team_problems

CONFIG_NAMESPACE = "airflow-aws"
MIN_CHART_VERSION = "1.22.0"
"""The first chart with the Airflow 3.3 support this program relies on; older ones are refused."""


class StackConfigError(ValueError):
    """The stack config is wrong; the message lists each offending key with its problem and fix."""


class StackConfig(ConfigSection):
    target: Literal["eks", "mwaa"]
    """Where Airflow runs: the official chart on EKS, or Amazon MWAA."""
    size: Size
    """Preset of defaults: dev (small, cheap) or prod (multi-AZ, protected)."""
    region: Annotated[StrictStr, Field(pattern=r"^(af|ap|ca|eu|il|me|mx|sa|us)-[a-z]+-\d$")]
    """AWS region, from `aws:region`, in the commercial `aws` partition: the IAM policies name arn:aws:…
    resources, so GovCloud and China regions are refused."""
    name_prefix: StrictStr
    """Prefix of AWS names (buckets, roles, cluster, DB): lower-case letters, digits and single dashes, starting
    with a letter and ending with a letter or digit, and short enough for the longest AWS name built from it (an
    IAM role on eks, the S3 bucket prefix on mwaa; a longer one is refused with the maximum). Defaults to
    airflow-<stack>. MWAA requires it to start with `airflow-`."""
    network: NetworkConfig
    storage: StorageConfig
    database: DatabaseConfig
    broker: BrokerConfig
    eks: EksConfig
    chart: ChartConfig
    ingress: IngressConfig
    mwaa: MwaaConfig
    observability: ObservabilityConfig = ObservabilityConfig()
    """Metrics scraping and alert routing: the Prometheus operator's objects on EKS, the alarm topic's subscribers
    on MWAA."""
    dags: DagsConfig | None = None
    """DAG source for EKS; required when target is eks (MWAA reads DAGs from its S3 bucket)."""
    image: ImageConfig | None = None
    """Airflow image for EKS; required when target is eks."""
    teams: list[TeamConfig] = []
    """Teams sharing the deployment, each isolated by queue, workers, IAM role, secrets and UI role
    (docs/teams.md). Defaults to none."""

    @model_validator(mode="after")
    def _cross_field_rules(self, info: ValidationInfo) -> StackConfig:
        settings: Settings = info.context["settings"]
        problems = [
            *name_prefix_problems(self.name_prefix, derived_names(self.target)),
            *network_problems(self.network),
            *database_problems(self.database),
            *environment_tag_problems(self.size, info.context["environment_tag"]),
            *production_problems(self.size, self.database),
            *observability_problems(self.observability, self.target),
            *_target_problems(self, settings),
            *team_problems(
                self.teams,
                target=self.target,
                name_prefix=self.name_prefix,
                pod_launching=self.chart.pod_launching,
            ),
        ]
        if self.target == "eks":
            # On mwaa, mwaa_input_problems words the versioning rule for the source bucket.
            problems += [
                *storage_problems(self.storage),
                *production_broker_problems(self.size, self.broker),
                *eks_problems(self.eks),
                *node_group_problems(self.name_prefix, self.eks),
                *ingress_problems(self.ingress),
            ]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @classmethod
    def from_raw(
        cls,
        raw: dict[str, Any],
        *,
        region: str | None,
        stack: str,
        settings: Settings,
        environment_tag: EnvironmentTag,
    ) -> StackConfig:
        """Validate the stack's raw `airflow-aws:*` config (already JSON-decoded) over its size preset.
        `settings`: the Airflow settings the stack deploys, whose secrets backend some rules name.
        `environment_tag`: the stack's `aws:defaultTags` tag the policy pack picks its production rules by, which
        must agree with the size."""
        size = raw.get("size", "dev")
        if not isinstance(size, str) or size not in PRESETS:
            raise StackConfigError(
                f"{CONFIG_NAMESPACE}:size: {size!r} is not a size. Fix: set it to one of {', '.join(PRESETS)}."
            )
        merged = {**with_preset(size, raw), "size": size}
        merged.setdefault("namePrefix", f"airflow-{stack}")
        if region is not None:
            merged["region"] = region
        try:
            return cls.model_validate(merged, context={"settings": settings, "environment_tag": environment_tag})
        except ValidationError as err:
            raise StackConfigError(_explain(err)) from None


def config_reference(model: type[BaseModel] = StackConfig, prefix: str = "") -> list[tuple[str, str]]:
    """(key, description) of every leaf config key, in declaration order: docs/configuration.md's reference."""
    rows = []
    for name, field in model.model_fields.items():
        key = prefix + to_camel(name)
        section = _section_model(field.annotation)
        if section is not None:
            each = "[]" if get_origin(field.annotation) is list else ""
            rows += config_reference(section, f"{key}{each}.")
        else:
            rows.append((key, " ".join((field.description or "").split())))
    return rows


def _target_problems(config: StackConfig, settings: Settings) -> list[str]:
    problems = []
    if config.target == "eks":
        problems += [
            f"{key}: missing, required when target is eks; fix: {fix}"
            for key, value, fix in (
                ("dags", config.dags, "set dags.source, dags.repo (and branch/subPath)"),
                (
                    "image",
                    config.image,
                    "set image.tag (and image.repository if not using this stack's ECR repository)",
                ),
            )
            if value is None
        ]
        if config.image is not None and config.image.tag == "latest":
            problems.append(
                "image.tag: 'latest' is mutable and the ECR repository refuses to overwrite tags; "
                "fix: use an immutable tag such as the git SHA or 3.3.1-1"
            )
        if _version_tuple(config.chart.version) < _version_tuple(MIN_CHART_VERSION):
            problems.append(
                f"chart.version: {config.chart.version} is older than {MIN_CHART_VERSION}, the first chart with "
                f"Airflow 3.3 support used here; fix: set {MIN_CHART_VERSION} or newer"
            )
        if config.dags is not None:
            connections = secret_prefixes(for_stack(settings.for_target(config.target), config.name_prefix)).connections
            problems += dags_problems(config.dags, connections_prefix=connections)
    if config.target == "mwaa":
        problems += mwaa_input_problems(
            config.mwaa, bucket_prefix=config.name_prefix, versioning=config.storage.versioning
        )
        problems += log_retention_problems(config.storage.log_retention_days)
    return problems


def _explain(err: ValidationError) -> str:
    lines = []
    for problem in err.errors():
        where = ".".join(to_camel(str(part)) if isinstance(part, str) else str(part) for part in problem["loc"])
        key = f"{CONFIG_NAMESPACE}:{where}" if where else CONFIG_NAMESPACE
        if problem["loc"] == ("region",):
            # The region is the AWS provider's own key, not one of ours.
            found = (
                "missing" if problem["type"] == "missing" else f"{problem.get('input')!r} is not a commercial region"
            )
            lines.append(f"  aws:region: {found}; fix: `pulumi config set aws:region <region>`, e.g. eu-west-1")
        elif problem["type"] == "extra_forbidden":
            lines.append(
                f"  {key}: unknown key; fix: check the spelling against the configuration reference "
                "in docs/configuration.md"
            )
        elif problem["type"] == "missing":
            lines.append(
                f"  {key}: missing; fix: `pulumi config set --path {key} <value>` ({_field_doc(problem['loc'])})"
            )
        elif problem["type"] == "value_error":
            message = str(problem["ctx"]["error"])
            if where:
                lines.append(f"  {key}: {message}")
            else:
                # Our rules word keys without the namespace; the aws provider's keys (aws:...) keep their own.
                lines.extend(
                    f"  {line}" if line.startswith("aws:") else f"  {CONFIG_NAMESPACE}:{line}"
                    for line in message.splitlines()
                )
        else:
            got = f"(got {problem.get('input')!r})"
            lines.append(f"  {key}: {problem['msg']} {got}; fix: set it as documented: {_field_doc(problem['loc'])}")
    return "\n".join([f"invalid stack config ({len(lines)} problem(s)):", *lines])


def _field_doc(loc: tuple[int | str, ...]) -> str:
    """The documentation of the field at `loc`, which says what the key takes: the fix for a bad value."""
    model: type[BaseModel] | None = StackConfig
    doc = ""
    for part in loc:
        if model is None or not isinstance(part, str):
            continue  # list indexes
        by_key = {to_camel(name): field for name, field in model.model_fields.items()} | model.model_fields
        if part not in by_key:
            continue
        doc = by_key[part].description or doc
        model = _section_model(by_key[part].annotation)
    return " ".join(doc.split()) or "see the configuration reference in docs/configuration.md"


def _section_model(annotation: Any) -> type[ConfigSection] | None:
    """The config section a field holds (directly, in a list, or optional), or None for a plain value."""
    candidates = [annotation, *get_args(annotation)]
    candidates += [inner for outer in candidates[1:] for inner in get_args(outer)]
    return next((arg for arg in candidates if isinstance(arg, type) and issubclass(arg, ConfigSection)), None)


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
