"""Stack config: committed stacks validate; bad configs fail with key, problem and fix, creating nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from airflow_settings import load_settings
from infra.config import StackConfig, StackConfigError, config_reference
from infra.config_rules import EnvironmentTag
from infra.presets import PRESETS, preset_defaults
from infra.stack import stack_config_from
from tests.infra.harness import REPO_ROOT, Built, build_stack, stack_config

pytestmark = pytest.mark.infra

EKS_BASE = stack_config("dev")

BAD_CONFIGS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown-target", {"airflow-aws:target": "gke"}, r"airflow-aws:target: .*'eks' or 'mwaa'"),
    (
        "unknown-size",
        {"airflow-aws:size": "huge"},
        r"airflow-aws:size: 'huge' is not a size\. Fix: .*dev, prod",
    ),
    ("misspelled-key", {"airflow-aws:databse": {"multiAz": True}}, r"airflow-aws:databse: unknown key"),
    (
        "misspelled-nested-key",
        {"airflow-aws:database": {"multiAZ": True}},
        r"airflow-aws:database\.multiAZ: unknown key",
    ),
    (
        "public-vpc-cidr",
        {"airflow-aws:network": {"vpcCidr": "8.8.0.0/16"}},
        r"network\.vpcCidr: 8\.8\.0\.0/16 is not a private .*fix: use 10\.0\.0\.0/8",
    ),
    (
        "tiny-vpc",
        {"airflow-aws:network": {"vpcCidr": "10.0.0.0/24"}},
        r"network\.vpcCidr: /24 is outside /16\.\./20",
    ),
    (
        "one-az",
        {"airflow-aws:network": {"azCount": 1}},
        r"network\.azCount: .*greater than or equal to 2 \(got 1\); fix: .*Availability zones to spread over, 2 to 6",
    ),
    ("missing-dags", {"airflow-aws:dags": None}, r"dags: missing, required when target is eks"),
    ("latest-tag", {"airflow-aws:image": {"tag": "latest"}}, r"image\.tag: 'latest' is mutable"),
    (
        "dev-tagged-prod",
        {"aws:defaultTags": {"tags": {"environment": "prod"}}},
        r"(?m)^  aws:defaultTags\.tags\.environment: 'prod' on a size dev stack, so the policy pack holds it to the "
        r"production rules.*fix: `pulumi config set --path 'aws:defaultTags\.tags\.environment' dev`",
    ),
    (
        "dev-untagged",
        {"aws:defaultTags": None},
        r"(?m)^  aws:defaultTags\.tags\.environment: missing on a size dev stack",
    ),
    (
        "prod-tagged-dev",
        {"airflow-aws:size": "prod", "airflow-aws:eks": {"deployerCidrs": ["10.0.0.0/16"]}},
        r"(?m)^  aws:defaultTags\.tags\.environment: 'dev' on a size prod stack lets the policy pack check it with the "
        r"non-production rules; fix: tag it environment: prod",
    ),
    (
        "old-chart",
        {"airflow-aws:chart": {"version": "1.15.0"}},
        r"chart\.version: 1\.15\.0 is older than 1\.22\.0",
    ),
    (
        "world-open-api",
        {"airflow-aws:eks": {"publicAccessCidrs": ["0.0.0.0/0"]}},
        r"eks\.publicAccessCidrs: 0\.0\.0\.0/0 opens the API server",
    ),
    (
        "public-api-without-cidrs",
        {"airflow-aws:eks": {"publicAccessCidrs": []}},
        r"eks\.publicAccessCidrs: empty while eks\.endpointPublicAccess is true",
    ),
    (
        "node-sizes-unordered",
        {
            "airflow-aws:eks": {
                "publicAccessCidrs": ["203.0.113.0/24"],
                "nodeGroups": [
                    {
                        "name": "general",
                        "instanceTypes": ["m6i.large"],
                        "minSize": 3,
                        "maxSize": 2,
                        "desiredSize": 2,
                    }
                ],
            }
        },
        r"eks\.nodeGroups\.0: node group 'general' needs minSize <= desiredSize <= maxSize, got 3 / 2 / 2",
    ),
    (
        "prod-single-az-db",
        {"airflow-aws:size": "prod", "airflow-aws:database": {"multiAz": False}},
        r"database\.multiAz: must be true when size is prod",
    ),
    (
        "prod-broker-without-replica",
        {"airflow-aws:size": "prod", "airflow-aws:broker": {"replicas": 0}},
        r"broker\.replicas: 0 when size is prod, but the policy pack requires Multi-AZ failover .*fix: set it to 1",
    ),
    (
        "prod-backups-too-short",
        {"airflow-aws:size": "prod", "airflow-aws:database": {"backupRetentionDays": 3}},
        r"database\.backupRetentionDays: 3 is under the 7 days the policy pack requires in prod .*fix: keep at least 7",
    ),
    (
        "prod-backups-deleted-with-the-instance",
        {"airflow-aws:size": "prod", "airflow-aws:database": {"deleteAutomatedBackups": True}},
        r"database\.deleteAutomatedBackups: must be false when size is prod .*fix: set it to false",
    ),
    (
        "backup-window-not-a-window",
        {"airflow-aws:database": {"backupWindow": "2am-3am"}},
        r"database\.backupWindow: '2am-3am' is not hh24:mi-hh24:mi \(UTC\); fix: write it like 02:00-03:00",
    ),
    (
        "maintenance-window-without-days",
        {"airflow-aws:database": {"maintenanceWindow": "04:00-05:00"}},
        r"database\.maintenanceWindow: '04:00-05:00' is not ddd:hh24:mi-ddd:hh24:mi .*fix: write it like "
        r"sun:04:00-sun:05:00",
    ),
    (
        "backup-window-too-short",
        {"airflow-aws:database": {"backupWindow": "02:00-02:15"}},
        r"database\.backupWindow: '02:00-02:15' lasts 15 minutes, and RDS needs at least 30; fix: widen it",
    ),
    (
        "windows-overlap",
        {"airflow-aws:database": {"backupWindow": "04:30-05:30"}},
        r"database\.backupWindow: '04:30-05:30' overlaps the maintenanceWindow 'sun:04:00-sun:05:00'.*fix: move",
    ),
    (
        "copy-tags-not-a-boolean",
        {"airflow-aws:database": {"copyTagsToSnapshot": "yes"}},
        r"database\.copyTagsToSnapshot: .*valid boolean.*fix: .*Copy the instance's tags",
    ),
    (
        "backups-too-long",
        {"airflow-aws:database": {"backupRetentionDays": 90}},
        r"database\.backupRetentionDays: .*less than or equal to 35",
    ),
    (
        "storage-ceiling-low",
        {"airflow-aws:database": {"maxAllocatedStorageGb": 20, "allocatedStorageGb": 50}},
        r"database\.maxAllocatedStorageGb: 20 is less than 10 % above allocatedStorageGb \(50\)",
    ),
    (
        "storage-ceiling-under-ten-percent",
        {"airflow-aws:database": {"maxAllocatedStorageGb": 109, "allocatedStorageGb": 100}},
        r"database\.maxAllocatedStorageGb: 109 is less than 10 % above .*fix: raise it to 110 or more",
    ),
    (
        "prefix-double-dash",
        {"airflow-aws:namePrefix": "airflow--dev"},
        r"airflow-aws:namePrefix: 'airflow--dev' has two dashes in a row .*fix: use single dashes",
    ),
    (
        "prefix-trailing-dash",
        {"airflow-aws:namePrefix": "airflow-dev-"},
        r"airflow-aws:namePrefix: 'airflow-dev-' has two dashes in a row or ends with a dash.*fix: ",
    ),
    (
        "prefix-s3-reserved",
        {"airflow-aws:namePrefix": "sthree-airflow"},
        r"airflow-aws:namePrefix: 'sthree-airflow' starts with a prefix S3 reserves .*fix: start it otherwise",
    ),
    (
        "prefix-too-long",
        {"airflow-aws:namePrefix": "airflow-" + "x" * 22},
        r"airflow-aws:namePrefix: .* is 30 characters, so the IAM role .* would be 65, over AWS's limit of 64; "
        r"fix: shorten namePrefix to at most 29 characters",
    ),
    (
        "node-group-name-too-long",
        {
            "airflow-aws:namePrefix": "airflow-" + "x" * 21,
            "airflow-aws:eks": {
                "publicAccessCidrs": ["203.0.113.0/24"],
                "nodeGroups": [{**PRESETS["dev"]["eks"]["nodeGroups"][0], "name": "g" * 22}],
            },
        },
        r"airflow-aws:eks\.nodeGroups: node group 'g{22}' would be named .* 64 characters, over EKS's limit of "
        r"63; fix: shorten its name to at most 21 characters",
    ),
    (
        # Python's is_private accepts the benchmarking range 198.18.0.0/15; RFC 1918 does not hold it.
        "benchmarking-cidr",
        {"airflow-aws:network": {"vpcCidr": "198.18.0.0/16"}},
        r"network\.vpcCidr: 198\.18\.0\.0/16 is not a private \(RFC 1918\) range; fix: use 10\.0\.0\.0/8",
    ),
    (
        "bad-broker-node",
        {"airflow-aws:broker": {"nodeType": "t3.micro"}},
        r"broker\.nodeType: .*should match pattern .*fix: .*e\.g\. cache\.t4g\.small",
    ),
    (
        "not-a-git-url",
        {"airflow-aws:dags": {"source": "git-sync", "repo": "github.com/x/y"}},
        r"dags\.repo: 'github\.com/x/y' is not a git URL",
    ),
    (
        "git-sync-over-ssh",
        {"airflow-aws:dags": {"source": "git-sync", "repo": "git@github.com:x/y.git"}},
        r"dags\.repo: 'git@github\.com:x/y\.git' is an SSH URL.*fix: use the https:// clone URL",
    ),
    (
        "bundle-with-kubernetes-credentials",
        {
            "airflow-aws:dags": {
                "source": "git-bundle",
                "repo": "https://github.com/x/y.git",
                "credentialsSecret": "git-creds",
            }
        },
        r"dags\.credentialsSecret: applies to git-sync only.*fix: .*airflow-dev/connections/git_dags_repo",
    ),
    (
        "ingress-without-host",
        {"airflow-aws:ingress": {"enabled": True}},
        r"ingress\.host: missing while ingress\.enabled is true",
    ),
    ("wrong-type", {"airflow-aws:storage": {"versioning": "yes"}}, r"storage\.versioning: .*valid boolean"),
    (
        "prometheus-namespace-not-a-name",
        {"airflow-aws:observability": {"prometheusOperator": True, "prometheusNamespace": "Monitoring"}},
        r"observability\.prometheusNamespace: String should match pattern .*fix: .*the namespace the Prometheus pods",
    ),
    (
        "prometheus-pod-labels-empty",
        {"airflow-aws:observability": {"prometheusOperator": True, "prometheusPodLabels": {}}},
        r"observability\.prometheusPodLabels: empty, which would admit every pod of monitoring to the exporters; "
        r"fix: name the Prometheus pods' labels",
    ),
    (
        "monitor-labels-not-labels",
        {"airflow-aws:observability": {"prometheusOperator": True, "monitorLabels": {"release": "kube prometheus"}}},
        r"observability\.monitorLabels: \['release=kube prometheus'\] are not Kubernetes labels; fix: ",
    ),
    (
        "prometheus-operator-not-a-boolean",
        {"airflow-aws:observability": {"prometheusOperator": "yes"}},
        r"observability\.prometheusOperator: .*valid boolean.*fix: .*the cluster runs the Prometheus operator",
    ),
    (
        "alert-emails-on-eks",
        {"airflow-aws:observability": {"alertEmails": ["ops@example.com"]}},
        r"observability\.alertEmails: applies to MWAA only; on EKS the cluster's Alertmanager routes the "
        r"PrometheusRule's alerts; fix: remove it",
    ),
    (
        "unversioned-buckets",
        {"airflow-aws:storage": {"versioning": False}},
        r"storage\.versioning: false, but the policy pack refuses an unversioned bucket .*fix: set it to true",
    ),
    ("govcloud-region", {"aws:region": "us-gov-west-1"}, r"aws:region: 'us-gov-west-1' is not a commercial region"),
    (
        "no-region",
        {"aws:region": None},
        r"(?s)^(?!.*airflow-aws:region).*aws:region: missing; fix: `pulumi config set aws:region",
    ),
]


def _with(overrides: dict[str, Any]) -> dict[str, Any]:
    config = {**EKS_BASE, **overrides}
    return {key: value for key, value in config.items() if value is not None}


class TestBadStackConfig:
    """Rejected before the first resource, with the key, the problem and the fix."""

    @pytest.mark.parametrize(
        ("overrides", "message"), [case[1:] for case in BAD_CONFIGS], ids=[case[0] for case in BAD_CONFIGS]
    )
    def test_should_fail_before_creating_anything(self, overrides: dict[str, Any], message: str):
        built = Built()
        with pytest.raises(StackConfigError, match=message) as failure:
            build_stack("dev", _with(overrides), built)
        assert "fix" in str(failure.value).lower()
        assert built.resources == [], f"created {[r.name for r in built.resources]} before refusing the config"
        assert built.invokes == [], "called AWS before refusing the config"

    def test_should_refuse_more_zones_than_the_region_has(self):
        built = Built()
        with pytest.raises(StackConfigError, match=r"network\.azCount: eu-west-1 has only 3 available zones"):
            build_stack("dev", _with({"airflow-aws:network": {"azCount": 4}}), built)
        assert built.resources == []

    def test_should_list_every_problem_at_once(self):
        with pytest.raises(StackConfigError) as failure:
            build_stack(
                "dev",
                _with({"airflow-aws:image": {"tag": "latest"}, "airflow-aws:chart": {"version": "1.0.0"}}),
            )
        assert "image.tag" in str(failure.value) and "chart.version" in str(failure.value)


class TestCommittedStacks:
    """Pulumi.dev.yaml, Pulumi.prod.yaml and Pulumi.mwaa.yaml."""

    @pytest.mark.parametrize("stack", ["dev", "prod", "mwaa"])
    def test_should_validate(self, stack: str):
        config = stack_config(stack)
        parsed = stack_config_from(config, stack=stack, settings=load_settings())
        assert parsed.size == config["airflow-aws:size"]

    @pytest.mark.parametrize("stack", ["dev", "prod", "mwaa"])
    def test_should_hold_no_secret_in_plain_text(self, stack: str):
        text = str(stack_config(stack)).lower()
        for word in ("password", "token", "secretkey", "fernet", "private_key"):
            assert word not in text, f"Pulumi.{stack}.yaml mentions {word}: use `pulumi config set --secret`"

    def test_should_default_the_name_prefix_to_the_stack(self):
        raw = {key.split(":", 1)[1]: value for key, value in EKS_BASE.items() if key.startswith("airflow-aws:")}
        parsed = StackConfig.from_raw(
            raw,
            region="eu-west-1",
            stack="dev",
            settings=load_settings(),
            environment_tag=EnvironmentTag(name="environment", value="dev", production=False),
        )
        assert parsed.name_prefix == "airflow-dev"


class TestPresets:
    """Size presets."""

    def test_should_make_prod_stricter_than_dev(self):
        dev, prod = PRESETS["dev"], PRESETS["prod"]
        assert prod["database"]["multiAz"] and not dev["database"]["multiAz"]
        assert prod["network"]["azCount"] > dev["network"]["azCount"]
        assert prod["eks"]["endpointPublicAccess"] is False


class TestConfigReference:
    """The generated configuration reference in docs/configuration.md."""

    def test_should_document_every_config_key(self):
        page = (REPO_ROOT / "docs" / "configuration.md").read_text()
        section = page[page.index("<!-- BEGIN GENERATED: config-reference -->") :]
        missing = [key for key, _ in config_reference() if f"| `{key}` |" not in section]
        assert not missing, f"docs/configuration.md's configuration reference lacks {missing}; run `make docs`"

    def test_should_describe_every_config_key(self):
        assert not [key for key, doc in config_reference() if not doc], "every config field needs a docstring"

    def test_should_give_both_preset_defaults_of_reference_keys(self):
        defaults = preset_defaults()
        assert set(defaults) <= {key for key, _ in config_reference()}
        assert all(set(per_size) == set(PRESETS) for per_size in defaults.values())
        assert defaults["network.azCount"] == {"dev": 2, "prod": 3}
        assert defaults["eks.nodeGroups[].instanceTypes"] == {"dev": ["m6i.large"], "prod": ["m6i.xlarge"]}

    def test_should_leave_preset_values_out_of_the_field_docs(self):
        # The reference shows the presets' columns; a field doc repeating them goes stale when a preset moves.
        copied = [key for key, doc in config_reference() if re.search(r"\((dev|prod)\)", doc)]
        assert not copied, f"field docs repeating preset defaults: {copied}"
