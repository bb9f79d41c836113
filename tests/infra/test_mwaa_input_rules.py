"""MWAA's input rules, held before anything is created: by the stack config (each bad key refused with its fix) and
by MwaaEnvironment itself when built by hand."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from airflow_settings import load_settings
from airflow_settings.render import secret_prefixes
from infra.config import StackConfigError
from infra.config_sections import MwaaConfig
from infra.mwaa import MwaaEnvironment, MwaaEnvironmentArgs
from infra.presets import PRESETS
from mwaa.layout import ARTIFACT_KEYS
from tests.infra.example_stacks import with_stand_in_artifacts
from tests.infra.harness import (
    Built,
    build_stack,
    run_under_mocks,
    stack_config,
)

pytestmark = pytest.mark.infra


class TestMwaaEnvironmentComponent:
    """MwaaEnvironment checks its own inputs before creating a child."""

    @pytest.mark.parametrize("zones", [["eu-west-1a", "eu-west-1a"], ["eu-west-1a"]])
    def test_should_refuse_subnets_outside_two_zones(self, zones: list[str]):
        args = MwaaEnvironmentArgs(
            environment_name="airflow-x",
            airflow_version="3.3.1",
            vpc_id="vpc",
            subnet_ids=["s1", "s2"][: len(zones)],
            subnet_zones=zones,
            source_bucket_arn="arn:aws:s3:::airflow-x-dags",
            source_bucket_ready=[],
            network_ready=[],
            source_bucket_prefix="airflow-x",
            versioning=True,
            kms_key_arn="arn:aws:kms:eu-west-1:1:key/k",
            region="eu-west-1",
            account_id="1",
            mwaa=MwaaConfig.model_validate(PRESETS["dev"]["mwaa"]),
            secret_prefixes=secret_prefixes(load_settings().for_target("mwaa")),
            airflow_configuration_options={},
            log_level="INFO",
            log_retention_days=30,
            artifact_paths=dict(ARTIFACT_KEYS),
            artifact_versions={key: "v1" for key in ARTIFACT_KEYS},
        )
        built = Built()
        with pytest.raises(
            pulumi.RunError,
            match="airflow-x-mwaa: MwaaEnvironment inputs are invalid:\n.*exactly two private subnets in two zones",
        ):
            run_under_mocks("mwaa", {}, lambda: MwaaEnvironment("airflow-x-mwaa", args), built)
        assert [r.type for r in built.resources] == ["airflow-aws:mwaa:MwaaEnvironment"]


MWAA_BAD = [
    (
        "prefix-without-airflow",
        {"airflow-aws:namePrefix": "data-platform"},
        r"namePrefix: 'data-platform' must start with 'airflow-'",
    ),
    (
        "unversioned-bucket",
        {"airflow-aws:storage": {"versioning": False}},
        r"storage\.versioning: MWAA requires",
    ),
    (
        "unknown-class",
        {"airflow-aws:mwaa": {"environmentClass": "mw2.huge"}},
        r"mwaa\.environmentClass: 'mw2\.huge'",
    ),
    (
        "workers-inverted",
        {"airflow-aws:mwaa": {"minWorkers": 5, "maxWorkers": 2}},
        r"mwaa\.minWorkers: 5 exceeds mwaa\.maxWorkers \(2\); fix: ",
    ),
    (
        "one-scheduler",
        {"airflow-aws:mwaa": {"schedulers": 1}},
        r"mwaa\.schedulers: mw1\.small runs 2 to 5 schedulers, got 1; fix: set schedulers to 2",
    ),
    (
        "no-scheduler",
        {"airflow-aws:mwaa": {"schedulers": 0}},
        r"mwaa\.schedulers: .*greater than or equal to 1",
    ),
    (
        "micro-two-schedulers",
        {"airflow-aws:mwaa": {"environmentClass": "mw1.micro", "schedulers": 2, "maxWorkers": 1}},
        r"mwaa\.schedulers: mw1\.micro runs exactly 1 scheduler, got 2; fix: set schedulers to 1",
    ),
    (
        "micro-scaling-workers",
        {"airflow-aws:mwaa": {"environmentClass": "mw1.micro", "schedulers": 1}},
        r"mwaa\.maxWorkers: mw1\.micro runs at most 1 worker, got 3; fix: set minWorkers and maxWorkers to 1",
    ),
    (
        "prefix-too-long-for-buckets",
        {"airflow-aws:namePrefix": "airflow-" + "x" * 24},
        r"namePrefix: .* is 32 characters, so the S3 bucket prefix <namePrefix>-logs- would be 38, over AWS's "
        r"limit of 37; fix: shorten namePrefix to at most 31 characters",
    ),
    ("public-typo", {"airflow-aws:mwaa": {"webserverAccessMode": "PUBLIC"}}, r"mwaa\.webserverAccessMode"),
    (
        "log-retention-cloudwatch-lacks",
        {"airflow-aws:storage": {"logRetentionDays": 45}},
        r"storage\.logRetentionDays: 45 is not a retention CloudWatch Logs offers.*fix: choose one of 1, 3, .*"
        r"\(nearest: 30\)",
    ),
    (
        "alert-email-not-an-address",
        {"airflow-aws:observability": {"alertEmails": ["ops.example.com"]}},
        r"observability\.alertEmails: \['ops\.example\.com'\] are not email addresses; fix: list addresses like",
    ),
    (
        "prometheus-operator-on-mwaa",
        {"airflow-aws:observability": {"prometheusOperator": True}},
        r"observability\.prometheusOperator: applies to EKS only.*fix: remove it",
    ),
    (
        "public-web-server",
        {"airflow-aws:mwaa": {"webserverAccessMode": "PUBLIC_ONLY"}},
        r"mwaa\.webserverAccessMode: PUBLIC_ONLY puts the Airflow UI on the Internet, which the policy pack refuses "
        r"\(mwaa-private-webserver\); fix: use PRIVATE_ONLY",
    ),
]


class TestMwaaInputRules:
    """MWAA input rules, checked before anything is created."""

    def test_should_build_a_micro_environment(self, tmp_path: Path):
        config = stack_config("mwaa")
        config["airflow-aws:mwaa"] = {
            **config["airflow-aws:mwaa"],
            "environmentClass": "mw1.micro",
            "schedulers": 1,
            "maxWorkers": 1,
        }
        inputs = (
            build_stack("mwaa", with_stand_in_artifacts(config, tmp_path))
            .one("aws:mwaa/environment:Environment")
            .inputs
        )
        assert [inputs[key] for key in ("environmentClass", "schedulers", "minWorkers", "maxWorkers")] == [
            "mw1.micro",
            1,
            1,
            1,
        ]

    @pytest.mark.parametrize(("overrides", "message"), [case[1:] for case in MWAA_BAD], ids=[c[0] for c in MWAA_BAD])
    def test_should_refuse_bad_inputs(self, overrides: dict, message: str):
        config = stack_config("mwaa")
        for key, value in overrides.items():
            config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
        built = Built()
        with pytest.raises(StackConfigError, match=message):
            build_stack("mwaa", config, built)
        assert built.resources == [] and built.invokes == []
