"""The rules of the observability section and of the alert topic's subscribers, each problem worded once (pure).

StackConfig (config.py) calls `observability_problems` with the rest of config_rules.py's functions; MwaaAlarms
calls `email_problems` on its Args, so a component built by hand is held to the same rule in the same words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from infra.config_sections import ObservabilityConfig

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
LABEL_KEY = re.compile(r"([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")
"""Kubernetes label keys ([prefix/]name) and values.
https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set"""


def email_problems(key: str, addresses: Sequence[str]) -> list[str]:
    """The alert topic's email subscribers; `key` names them as the caller knows them."""
    invalid = [address for address in addresses if not EMAIL.fullmatch(address)]
    if not invalid:
        return []
    return [
        f"{key}: {invalid} are not email addresses; fix: list addresses like ops@example.com, or leave {key} "
        "empty and subscribe another endpoint (a pager, a chat integration) to the alert topic"
    ]


def observability_problems(observability: ObservabilityConfig, target: str) -> list[str]:
    """Each key on the target it serves: the Prometheus operator's objects on EKS, the alarm topic on MWAA."""
    problems = email_problems("observability.alertEmails", observability.alert_emails)
    if target == "eks" and observability.alert_emails:
        problems.append(
            "observability.alertEmails: applies to MWAA only; on EKS the cluster's Alertmanager routes the "
            "PrometheusRule's alerts; fix: remove it and give Alertmanager a receiver (observability/README.md)"
        )
    if target == "mwaa" and observability.prometheus_operator:
        problems.append(
            "observability.prometheusOperator: applies to EKS only; MWAA's metrics go to CloudWatch, where the "
            "stack's alarms watch them; fix: remove it"
        )
    for key, labels in (
        ("prometheusPodLabels", observability.prometheus_pod_labels),
        ("monitorLabels", observability.monitor_labels),
    ):
        bad = [f"{name}={value}" for name, value in labels.items() if not _is_label(name, value)]
        if bad:
            problems.append(
                f"observability.{key}: {bad} are not Kubernetes labels; fix: use keys like app.kubernetes.io/name "
                "and values of up to 63 letters, digits, '-', '_' or '.'"
            )
    if observability.prometheus_operator and not observability.prometheus_pod_labels:
        problems.append(
            "observability.prometheusPodLabels: empty, which would admit every pod of "
            f"{observability.prometheus_namespace} to the exporters; fix: name the Prometheus pods' labels, e.g. "
            '{"app.kubernetes.io/name": "prometheus"}'
        )
    return problems


def _is_label(key: str, value: str) -> bool:
    return bool(LABEL_KEY.fullmatch(key)) and len(key.rsplit("/", 1)[-1]) <= 63 and bool(LABEL_VALUE.fullmatch(value))
