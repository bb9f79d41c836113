"""The rules AWS applies that mocks never check (config_rules.py, database_rules.py, mwaa_rules.py), each worded
once: exact wording pinned per case, and the boundary AWS states accepted."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config_rules import (
    BUCKET_PREFIX,
    derived_names,
    name_prefix_problems,
    network_problems,
    node_group_problems,
    production_broker_problems,
    storage_problems,
    usable_zones,
)
from infra.config_sections import (
    BrokerConfig,
    DatabaseConfig,
    EksConfig,
    MwaaConfig,
    NetworkConfig,
    ObservabilityConfig,
    StorageConfig,
)
from infra.database_rules import PRODUCTION_BACKUP_RETENTION_DAYS, database_problems, production_problems
from infra.mwaa_rules import CLASS_LIMITS, mwaa_input_problems
from infra.observability_rules import email_problems, observability_problems
from infra.presets import PRESETS
from policy.airflow_aws_policies.rds import MINIMUM_BACKUP_RETENTION_DAYS

pytestmark = pytest.mark.infra

EKS_NAMES = derived_names("eks")
MWAA_NAMES = derived_names("mwaa")


def _section(model: type, size: str, key: str, **overrides: Any):
    return model.model_validate({**PRESETS[size][key], **overrides})


class TestNamePrefix:
    """namePrefix as S3, RDS, ElastiCache, ECR and IAM accept it."""

    @pytest.mark.parametrize(
        ("prefix", "names", "problem"),
        [
            (
                "airflow--dev",
                EKS_NAMES,
                "namePrefix: 'airflow--dev' has two dashes in a row or ends with a dash, which RDS, ElastiCache and "
                "ECR names refuse; fix: use single dashes between letters or digits",
            ),
            (
                "airflow-dev-",
                EKS_NAMES,
                "namePrefix: 'airflow-dev-' has two dashes in a row or ends with a dash, which RDS, ElastiCache and "
                "ECR names refuse; fix: use single dashes between letters or digits",
            ),
            (
                "sthree-airflow",
                EKS_NAMES,
                "namePrefix: 'sthree-airflow' starts with a prefix S3 reserves for its own buckets (sthree-, "
                "amzn-s3-demo-); fix: start it otherwise, e.g. airflow-",
            ),
            (
                "Airflow-dev",
                EKS_NAMES,
                "namePrefix: 'Airflow-dev' must start with a lower-case letter and hold only lower-case letters, "
                "digits and dashes, as S3, RDS and ElastiCache names do; fix: e.g. airflow-dev",
            ),
            ("ab", EKS_NAMES, "namePrefix: 'ab' is shorter than 3 characters; fix: use 3 to 29"),
            (
                "airflow-" + "x" * 22,
                EKS_NAMES,
                f"namePrefix: 'airflow-{'x' * 22}' is 30 characters, so the IAM role "
                "<namePrefix>-irsa-airflow-dag-processor-<7 hex> would be 65, over AWS's limit of 64; fix: shorten "
                "namePrefix to at most 29 characters",
            ),
            (
                "airflow-" + "x" * 24,
                MWAA_NAMES,
                f"namePrefix: 'airflow-{'x' * 24}' is 32 characters, so the S3 bucket prefix <namePrefix>-logs- "
                "would be 38, over AWS's limit of 37; fix: shorten namePrefix to at most 31 characters",
            ),
        ],
        ids=["double-dash", "trailing-dash", "s3-reserved", "upper-case", "too-short", "too-long-eks", "too-long-mwaa"],
    )
    def test_should_refuse_what_aws_refuses(self, prefix: str, names, problem: str):
        assert name_prefix_problems(prefix, names) == [problem]

    @pytest.mark.parametrize(
        ("prefix", "names"),
        [
            ("airflow-" + "x" * 21, EKS_NAMES),
            ("airflow-" + "x" * 23, MWAA_NAMES),
            ("airflow-" + "x" * 23, [BUCKET_PREFIX]),
            # KMS reserves only alias/aws/ (a slash), which namePrefix can't hold; alias/aws-platform is legal.
            ("aws-platform", EKS_NAMES),
            ("a1-b2", EKS_NAMES),
        ],
        ids=["longest-eks", "longest-mwaa", "longest-bucket", "leading-aws", "digits"],
    )
    def test_should_accept_what_aws_accepts(self, prefix: str, names):
        assert name_prefix_problems(prefix, names) == []


class TestNodeGroupNames:
    """EKS node group names: at most 63 characters after pulumi-eks autonames them."""

    def _eks(self, group: str) -> EksConfig:
        groups = [{**PRESETS["dev"]["eks"]["nodeGroups"][0], "name": group}]
        return _section(EksConfig, "dev", "eks", nodeGroups=groups)

    def test_should_refuse_a_name_over_the_limit(self):
        prefix, group = "airflow-" + "x" * 21, "g" * 22
        assert node_group_problems(prefix, self._eks(group)) == [
            f"eks.nodeGroups: node group {group!r} would be named {prefix}-eks-{group}-<7 hex>, 64 characters, "
            "over EKS's limit of 63; fix: shorten its name to at most 21 characters, or namePrefix"
        ]

    def test_should_accept_a_name_at_the_limit(self):
        assert node_group_problems("airflow-" + "x" * 21, self._eks("g" * 21)) == []


class TestPrivateCidr:
    """The VPC CIDR inside RFC 1918, not Python's wider `is_private`."""

    @pytest.mark.parametrize("cidr", ["100.64.0.0/16", "198.18.0.0/16", "192.0.0.0/20", "172.32.0.0/16"])
    def test_should_refuse_ranges_outside_rfc_1918(self, cidr: str):
        network = _section(NetworkConfig, "dev", "network", vpcCidr=cidr)
        assert network_problems(network) == [
            f"network.vpcCidr: {cidr} is not a private (RFC 1918) range; fix: use 10.0.0.0/8, "
            "172.16.0.0/12 or 192.168.0.0/16"
        ]

    @pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.31.0.0/16", "192.168.0.0/20"])
    def test_should_accept_rfc_1918(self, cidr: str):
        assert network_problems(_section(NetworkConfig, "dev", "network", vpcCidr=cidr)) == []


class TestStorageCeiling:
    """RDS: the autoscaling ceiling at least 10 % above the allocated storage."""

    def test_should_refuse_less_than_ten_percent_above(self):
        database = _section(DatabaseConfig, "prod", "database", allocatedStorageGb=100, maxAllocatedStorageGb=109)
        assert database_problems(database) == [
            "database.maxAllocatedStorageGb: 109 is less than 10 % above allocatedStorageGb (100), which RDS "
            "refuses; fix: raise it to 110 or more (AWS suggests 26 % above, to avoid storage-threshold alerts), "
            "or lower allocatedStorageGb"
        ]

    @pytest.mark.parametrize(("allocated", "ceiling"), [(100, 110), (20, 22), (21, 24)])
    def test_should_accept_ten_percent_above_rounded_up(self, allocated: int, ceiling: int):
        database = _section(
            DatabaseConfig, "prod", "database", allocatedStorageGb=allocated, maxAllocatedStorageGb=ceiling
        )
        assert database_problems(database) == []

    def test_should_round_the_least_ceiling_up(self):
        database = _section(DatabaseConfig, "prod", "database", allocatedStorageGb=21, maxAllocatedStorageGb=23)
        assert "fix: raise it to 24 or more" in database_problems(database)[0]


class TestBackupAndMaintenanceWindows:
    """RDS's PreferredBackupWindow and PreferredMaintenanceWindow: UTC, 30 minutes or more, never overlapping."""

    @pytest.mark.parametrize(
        ("windows", "problem"),
        [
            (
                {"backupWindow": "2:00-03:00"},
                "database.backupWindow: '2:00-03:00' is not hh24:mi-hh24:mi (UTC); fix: write it like 02:00-03:00",
            ),
            (
                {"backupWindow": "02:00-24:00"},
                "database.backupWindow: '02:00-24:00' is not hh24:mi-hh24:mi (UTC); fix: write it like 02:00-03:00",
            ),
            (
                {"maintenanceWindow": "04:00-05:00"},
                "database.maintenanceWindow: '04:00-05:00' is not ddd:hh24:mi-ddd:hh24:mi (UTC, days mon, tue, "
                "wed, thu, fri, sat, sun); fix: write it like sun:04:00-sun:05:00",
            ),
            (
                {"maintenanceWindow": "Sun:04:00-Sun:05:00"},
                "database.maintenanceWindow: 'Sun:04:00-Sun:05:00' is not ddd:hh24:mi-ddd:hh24:mi (UTC, days mon, "
                "tue, wed, thu, fri, sat, sun); fix: write it like sun:04:00-sun:05:00",
            ),
            (
                {"backupWindow": "02:00-02:29"},
                "database.backupWindow: '02:00-02:29' lasts 29 minutes, and RDS needs at least 30; fix: widen it",
            ),
            (
                {"backupWindow": "02:00-02:00"},
                "database.backupWindow: '02:00-02:00' lasts 0 minutes, and RDS needs at least 30; fix: widen it",
            ),
            (
                {"maintenanceWindow": "sun:23:50-mon:00:10"},
                "database.maintenanceWindow: 'sun:23:50-mon:00:10' lasts 20 minutes, and RDS needs at least 30; "
                "fix: widen it",
            ),
            (
                {"backupWindow": "03:30-04:30"},
                "database.backupWindow: '03:30-04:30' overlaps the maintenanceWindow 'sun:04:00-sun:05:00', which "
                "RDS refuses; fix: move one of them so the two never meet",
            ),
            (
                # Past midnight on both sides: Monday's backup runs inside Sunday night's maintenance.
                {"backupWindow": "23:45-00:15", "maintenanceWindow": "sun:23:00-mon:01:00"},
                "database.backupWindow: '23:45-00:15' overlaps the maintenanceWindow 'sun:23:00-mon:01:00', which "
                "RDS refuses; fix: move one of them so the two never meet",
            ),
        ],
    )
    def test_should_refuse_what_rds_refuses(self, windows: dict, problem: str):
        assert database_problems(_section(DatabaseConfig, "prod", "database", **windows)) == [problem]

    @pytest.mark.parametrize(
        "windows",
        [
            {"backupWindow": "02:00-02:30"},
            # Back to back: a window ends where the other starts.
            {"backupWindow": "03:00-04:00", "maintenanceWindow": "sun:04:00-sun:05:00"},
            {"backupWindow": "23:30-00:30", "maintenanceWindow": "sat:22:00-sat:23:30"},
            {"backupWindow": "12:00-13:00", "maintenanceWindow": "sun:23:30-mon:00:00"},
        ],
    )
    def test_should_accept_what_rds_accepts(self, windows: dict):
        assert database_problems(_section(DatabaseConfig, "prod", "database", **windows)) == []

    @pytest.mark.parametrize("size", ["dev", "prod"])
    def test_should_give_each_preset_valid_windows(self, size: str):
        assert database_problems(_section(DatabaseConfig, size, "database")) == []


class TestRulesThePackHolds:
    """Validation refuses what the policy pack would refuse after the build."""

    def test_should_require_the_packs_backup_retention_in_prod(self):
        assert PRODUCTION_BACKUP_RETENTION_DAYS == MINIMUM_BACKUP_RETENTION_DAYS
        database = _section(DatabaseConfig, "prod", "database", backupRetentionDays=6)
        assert production_problems("prod", database) == [
            "database.backupRetentionDays: 6 is under the 7 days the policy pack requires in prod "
            "(rds-backup-retention); fix: keep at least 7, or use size dev"
        ]
        assert production_problems("dev", database) == []

    def test_should_keep_automated_backups_after_a_deletion_in_prod(self):
        database = _section(DatabaseConfig, "prod", "database", deleteAutomatedBackups=True)
        assert production_problems("prod", database) == [
            "database.deleteAutomatedBackups: must be false when size is prod (the policy pack's "
            "rds-keep-automated-backups-in-prod: point-in-time restore must outlive a deleted instance); fix: set "
            "it to false, or use size dev"
        ]
        assert production_problems("dev", database) == []

    def test_should_require_a_broker_replica_in_prod(self):
        broker = _section(BrokerConfig, "prod", "broker", replicas=0)
        assert production_broker_problems("prod", broker) == [
            "broker.replicas: 0 when size is prod, but the policy pack requires Multi-AZ failover "
            "(elasticache-multi-az-in-prod: one AZ outage must not lose the queue); fix: set it to 1 or more, "
            "or use size dev"
        ]
        assert production_broker_problems("dev", broker) == []

    def test_should_require_versioned_buckets(self):
        assert storage_problems(_section(StorageConfig, "dev", "storage", versioning=False)) == [
            "storage.versioning: false, but the policy pack refuses an unversioned bucket (s3-versioning: an "
            "overwritten or deleted task log must stay recoverable); fix: set it to true"
        ]


class TestMwaaClassLimits:
    """Schedulers and workers per MWAA environment class."""

    @pytest.mark.parametrize(
        ("overrides", "problem"),
        [
            (
                {"environmentClass": "mw1.micro", "schedulers": 2, "maxWorkers": 1},
                "mwaa.schedulers: mw1.micro runs exactly 1 scheduler, got 2; fix: set schedulers to 1, or choose "
                "mw1.small or larger",
            ),
            (
                {"environmentClass": "mw1.micro", "schedulers": 1, "maxWorkers": 3},
                "mwaa.maxWorkers: mw1.micro runs at most 1 worker, got 3; fix: set minWorkers and maxWorkers to "
                "1 or less, or choose a larger class",
            ),
            (
                {"environmentClass": "mw1.small", "schedulers": 1},
                "mwaa.schedulers: mw1.small runs 2 to 5 schedulers, got 1; fix: set schedulers to 2, or choose "
                "mw1.micro for a single scheduler",
            ),
        ],
        ids=["micro-two-schedulers", "micro-three-workers", "small-one-scheduler"],
    )
    def test_should_refuse_what_the_class_does_not_run(self, overrides: dict, problem: str):
        mwaa = _section(MwaaConfig, "dev", "mwaa", **overrides)
        assert mwaa_input_problems(mwaa, bucket_prefix="airflow-x", versioning=True) == [problem]

    @pytest.mark.parametrize(
        "overrides",
        [
            {"environmentClass": "mw1.micro", "schedulers": 1, "minWorkers": 1, "maxWorkers": 1},
            {"environmentClass": "mw1.2xlarge", "schedulers": 5, "maxWorkers": 25},
        ],
        ids=["micro", "largest"],
    )
    def test_should_accept_each_class_at_its_limits(self, overrides: dict):
        mwaa = _section(MwaaConfig, "dev", "mwaa", **overrides)
        assert mwaa_input_problems(mwaa, bucket_prefix="airflow-x", versioning=True) == []

    def test_should_know_every_class_aws_offers(self):
        assert set(CLASS_LIMITS) == {"mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"}


class TestUsableZones:
    """Zones an eks network may use: none where EKS refuses control-plane subnets."""

    NAMES = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    IDS = ["use1-az1", "use1-az2", "use1-az3", "use1-az4"]

    def test_should_leave_out_the_zones_eks_refuses(self):
        assert usable_zones(self.NAMES, self.IDS, target="eks") == ["us-east-1a", "us-east-1b", "us-east-1d"]

    def test_should_keep_every_zone_for_mwaa(self):
        assert usable_zones(self.NAMES, self.IDS, target="mwaa") == self.NAMES


class TestObservabilityRules:
    """The observability section per target, its labels as Kubernetes takes them, the alert addresses as SNS does."""

    @pytest.mark.parametrize("address", ["ops@example.com", "first.last+alerts@sub.example.co.uk"])
    def test_should_accept_an_email_address(self, address: str):
        assert email_problems("observability.alertEmails", [address]) == []

    @pytest.mark.parametrize("address", ["ops.example.com", "ops@localhost", "ops@@example.com", "ops @example.com"])
    def test_should_refuse_what_is_not_an_email_address(self, address: str):
        assert email_problems("observability.alertEmails", [address]) == [
            f"observability.alertEmails: [{address!r}] are not email addresses; fix: list addresses like "
            "ops@example.com, or leave observability.alertEmails empty and subscribe another endpoint (a pager, a "
            "chat integration) to the alert topic"
        ]

    @pytest.mark.parametrize(
        "labels",
        [{"app.kubernetes.io/name": "prometheus"}, {"release": "kube-prometheus-stack"}, {"prometheus": "k8s"}],
    )
    def test_should_accept_kubernetes_labels(self, labels: dict):
        observability = ObservabilityConfig(
            prometheus_operator=True, prometheus_pod_labels=labels, monitor_labels=labels
        )
        assert observability_problems(observability, "eks") == []

    @pytest.mark.parametrize("labels", [{"-app": "x"}, {"app": "x" * 64}, {"a/b/c": "x"}, {"app": "-x"}])
    def test_should_refuse_what_kubernetes_refuses(self, labels: dict):
        (problem,) = observability_problems(ObservabilityConfig(monitor_labels=labels), "eks")
        assert problem.startswith("observability.monitorLabels: ") and "are not Kubernetes labels; fix: " in problem

    def test_should_hold_each_key_to_its_target(self):
        assert observability_problems(ObservabilityConfig(alert_emails=["ops@example.com"]), "mwaa") == []
        assert observability_problems(ObservabilityConfig(prometheus_operator=True), "eks") == []
        assert observability_problems(ObservabilityConfig(), "mwaa") == observability_problems(
            ObservabilityConfig(), "eks"
        )
