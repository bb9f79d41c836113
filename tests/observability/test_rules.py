"""The alert rules: valid for Prometheus (promtool check), each group unit-tested (promtool test), and shipped
both as the plain rule file and as a PrometheusRule carrying the same groups."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from observability.rules import PROMETHEUS_RULE_FILE, RULE_TESTS_DIR, RULES_FILE, render_prometheus_rule, rule_groups

GROUPS = [group["name"] for group in rule_groups()]


def promtool(*args: str) -> subprocess.CompletedProcess:
    binary = shutil.which("promtool")
    assert binary, "promtool not found: install Debian's prometheus package (apt-get install prometheus)"
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)


def test_should_pass_promtool_check_rules():
    result = promtool("check", "rules", str(RULES_FILE))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("group", GROUPS)
def test_should_pass_the_group_unit_tests(group: str):
    tests = RULE_TESTS_DIR / f"{group}.yaml"
    assert tests.is_file(), f"group {group} has no unit tests: write {tests.relative_to(RULES_FILE.parent.parent)}"

    result = promtool("test", "rules", str(tests))

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("group", GROUPS)
def test_should_unit_test_every_alert_of_the_group(group: str):
    (rules,) = [g["rules"] for g in rule_groups() if g["name"] == group]
    tested = {
        case["alertname"]
        for test in yaml.safe_load((RULE_TESTS_DIR / f"{group}.yaml").read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    untested = sorted(rule["alert"] for rule in rules if rule["alert"] not in tested)
    assert not untested, f"{group}: no unit test sees these alerts fire: {untested}"


def test_should_give_every_alert_a_severity_and_a_summary():
    for group in rule_groups():
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
            assert rule["annotations"]["summary"], rule["alert"]


def test_should_have_no_unit_test_file_without_its_group():
    assert {path.stem for path in Path(RULE_TESTS_DIR).glob("*.yaml")} == set(GROUPS)


class TestPrometheusRule:
    """prometheusrule.yaml: the same groups, for the Prometheus operator."""

    def test_should_equal_a_fresh_render(self):
        assert PROMETHEUS_RULE_FILE.read_text() == render_prometheus_rule(), (
            f"{PROMETHEUS_RULE_FILE.name} is stale: run `make observability-files` and commit it"
        )

    def test_should_carry_the_rule_file_groups(self):
        manifest = yaml.safe_load(PROMETHEUS_RULE_FILE.read_text())

        assert (manifest["apiVersion"], manifest["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
        assert manifest["spec"]["groups"] == rule_groups()
