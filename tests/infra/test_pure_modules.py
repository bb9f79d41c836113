"""Pure helpers beside the components (STYLE 7): CIDR plan, IAM documents, component table, rules, presets."""

from __future__ import annotations

import ipaddress

import pytest

from airflow_settings.render import SecretPrefixes
from infra.airflow_secrets import fernet_key_from_base64
from infra.broker import broker_url
from infra.components import COMPONENTS, PDB_COMPONENTS, SERVICE_ACCOUNTS, SERVICE_ROLES
from infra.config_rules import zone_problems
from infra.config_sections import MwaaConfig, NetworkConfig
from infra.iam_documents import airflow_component_policy, irsa_trust_policy, tls_only_bucket_policy
from infra.mwaa_rules import REFUSED_OPTIONS, mwaa_configuration_options, mwaa_input_problems, mwaa_log_level
from infra.network_plan import nat_zone_indexes, plan_subnets
from infra.presets import PRESETS, with_preset

pytestmark = pytest.mark.infra
ZONES = ["z-a", "z-b", "z-c"]
PREFIXES = SecretPrefixes(connections="c/conn", variables="c/var")
MWAA = MwaaConfig.model_validate(PRESETS["dev"]["mwaa"])


class TestSubnetPlan:
    """plan_subnets / nat_zone_indexes."""

    @pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.0.0.0/18", "172.16.0.0/20"])
    def test_should_cut_non_overlapping_subnets_inside_the_vpc(self, cidr: str):
        vpc = ipaddress.IPv4Network(cidr)
        subnets = [ipaddress.IPv4Network(c) for p in plan_subnets(cidr, ZONES) for c in (p.public_cidr, p.private_cidr)]
        assert all(subnet.subnet_of(vpc) for subnet in subnets)
        assert not any(a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :])

    def test_should_keep_a_zone_subnet_when_zones_are_added(self):
        assert plan_subnets("10.0.0.0/16", ZONES[:2]) == plan_subnets("10.0.0.0/16", ZONES)[:2]

    def test_should_refuse_more_than_six_zones(self):
        with pytest.raises(ValueError, match="at most 6 zones"):
            plan_subnets("10.0.0.0/16", [f"z{i}" for i in range(7)])

    def test_should_place_nat_gateways(self):
        assert nat_zone_indexes(3, per_zone=True) == [0, 1, 2]
        assert nat_zone_indexes(3, per_zone=False) == [0]


class TestIamDocuments:
    """IAM and bucket policy documents."""

    def test_should_deny_insecure_transport_on_bucket_and_objects(self):
        (statement,) = tls_only_bucket_policy("arn:aws:s3:::b")["Statement"]
        assert statement["Resource"] == ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]

    def test_should_trust_one_service_account(self):
        (statement,) = irsa_trust_policy("arn:oidc", "https://oidc.example/id/X", "ns", "sa")["Statement"]
        assert statement["Condition"]["StringEquals"] == {
            "oidc.example/id/X:sub": "system:serviceaccount:ns:sa",
            "oidc.example/id/X:aud": "sts.amazonaws.com",
        }

    @pytest.mark.parametrize("component", list(SERVICE_ROLES))
    def test_should_grant_logs_access_by_component(self, component: str):
        policy = airflow_component_policy(
            SERVICE_ROLES[component],
            logs_bucket_arn="arn:aws:s3:::logs",
            kms_key_arn="arn:key",
            secret_prefixes=PREFIXES,
            region="r",
            account_id="1",
        )
        actions = {a for s in policy["Statement"] for a in s["Action"]}
        assert ("s3:PutObject" in actions) == (SERVICE_ROLES[component].logs == "write")
        assert ("s3:GetObject" in actions) == (SERVICE_ROLES[component].logs != "none")

    def test_should_read_secrets_under_the_given_prefixes_only(self):
        (secrets,) = [
            s
            for s in airflow_component_policy(
                SERVICE_ROLES["workers"],
                logs_bucket_arn="arn:aws:s3:::logs",
                kms_key_arn="arn:key",
                secret_prefixes=PREFIXES,
                region="r",
                account_id="1",
            )["Statement"]
            if s["Sid"] == "SecretsBackend"
        ]
        assert secrets["Resource"] == [
            "arn:aws:secretsmanager:r:1:secret:c/conn/*",
            "arn:aws:secretsmanager:r:1:secret:c/var/*",
        ]


class TestComponents:
    """The one table of Airflow components and the views derived from it."""

    def test_should_give_pgbouncer_a_disruption_budget_but_no_role(self):
        assert "pgbouncer" in PDB_COMPONENTS
        assert "pgbouncer" not in SERVICE_ROLES and "pgbouncer" not in SERVICE_ACCOUNTS

    def test_should_pin_one_service_account_per_role(self):
        assert list(SERVICE_ACCOUNTS) == [c.values_key for c in COMPONENTS if c.role is not None]
        assert len(set(SERVICE_ACCOUNTS.values())) == len(SERVICE_ACCOUNTS)


class TestMwaaRules:
    """MWAA options and input rules."""

    def test_should_drop_refused_options_only(self):
        settings = {
            "core": {"executor": "CeleryExecutor", "parallelism": 8},
            "logging": {"logging_level": "WARNING"},
        }
        assert mwaa_configuration_options(settings) == {"core.parallelism": "8"}
        assert mwaa_log_level(settings) == "WARNING"
        assert all(reason for reason in REFUSED_OPTIONS.values())

    def test_should_accept_good_inputs(self):
        assert mwaa_input_problems(MWAA, bucket_prefix="airflow-x", versioning=True, subnet_zones=["a", "b"]) == []

    @pytest.mark.parametrize("zones", [["a"], ["a", "a"], ["a", "b", "c"]])
    def test_should_need_two_subnets_in_two_zones(self, zones: list[str]):
        (problem,) = mwaa_input_problems(MWAA, bucket_prefix="airflow-x", versioning=True, subnet_zones=zones)
        assert "exactly two private subnets in two zones" in problem


class TestZoneRules:
    """zone_problems: the stack and the Network component word the zone rule alike."""

    NETWORK = NetworkConfig(vpc_cidr="10.0.0.0/16", az_count=3, nat_gateway_per_az=False)

    def test_should_accept_a_region_with_enough_zones(self):
        assert zone_problems(ZONES, self.NETWORK, "r") == []

    def test_should_suggest_fewer_zones(self):
        (problem,) = zone_problems(ZONES[:2], self.NETWORK, "r")
        assert problem == "network.azCount: r has only 2 available zones; fix: set azCount to 2 or less"

    def test_should_send_a_single_zone_region_elsewhere(self):
        (problem,) = zone_problems(ZONES[:1], self.NETWORK, "r")
        assert "need two; fix: choose a region with two or more zones" in problem


class TestSmallHelpers:
    """Presets, Fernet key and broker URL."""

    def test_should_lay_config_over_the_preset_section_by_section(self):
        merged = with_preset("dev", {"database": {"multiAz": True}})
        assert merged["database"]["multiAz"] is True and merged["database"]["instanceClass"] == "db.t4g.medium"

    def test_should_make_fernet_keys_url_safe(self):
        assert fernet_key_from_base64("ab+/cd==") == "ab-_cd=="

    def test_should_build_a_tls_broker_url(self):
        assert broker_url("h", "t") == "rediss://:t@h:6379/0?ssl_cert_reqs=required"


class TestArgsDocumentation:
    """STYLE 10: every field of every component's Args dataclass carries a docstring."""

    def test_should_document_every_args_field(self):
        import ast
        from pathlib import Path

        undocumented = []
        for module in sorted((Path(__file__).resolve().parents[2] / "infra").glob("*.py")):
            for node in ast.walk(ast.parse(module.read_text())):
                if isinstance(node, ast.ClassDef) and node.name.endswith(("Args", "Spec", "Inputs")):
                    body = node.body
                    for index, statement in enumerate(body):
                        if isinstance(statement, ast.AnnAssign):
                            following = body[index + 1] if index + 1 < len(body) else None
                            documented = isinstance(following, ast.Expr) and isinstance(
                                getattr(following, "value", None), ast.Constant
                            )
                            if not documented:
                                undocumented.append(f"{module.name}:{node.name}.{statement.target.id}")
        assert not undocumented, f"Args fields without a docstring: {undocumented}"

    def test_should_freeze_every_args_dataclass(self):
        import dataclasses
        import importlib
        import inspect
        from pathlib import Path

        args_classes = [
            cls
            for module in sorted((Path(__file__).resolve().parents[2] / "infra").glob("*.py"))
            if module.stem != "__main__"
            for name, cls in inspect.getmembers(importlib.import_module(f"infra.{module.stem}"), inspect.isclass)
            if name.endswith(("Args", "Spec", "Inputs")) and cls.__module__ == f"infra.{module.stem}"
        ]
        assert len(args_classes) >= 12
        mutable = [
            cls.__qualname__
            for cls in args_classes
            if not (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen)
        ]
        assert not mutable, f"Args must be frozen dataclasses: {mutable}"
