"""Feature preparation: raw customer rows to standardised training and holdout examples."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

FEATURE_NAMES = ("tenure_months", "monthly_spend", "support_tickets", "spend_per_tenure_month")
LABEL = "churned"
# The share of customers held out for evaluation; chosen by a hash of the id, so a customer stays on one side of
# the split on every run and every machine.
HOLDOUT_PERCENT = 20


class FeatureError(ValueError):
    """The raw data cannot give a usable feature set; the message says what is wrong with it."""


@dataclass(frozen=True)
class Example:
    customer_id: str
    features: list[float]
    label: int


@dataclass(frozen=True)
class FeatureSet:
    """Standardised examples plus the scaling that produced them (publishing ships it with the model)."""

    feature_names: list[str]
    means: list[float]
    stds: list[float]
    train: list[Example]
    holdout: list[Example]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSet:
        return cls(
            feature_names=list(data["feature_names"]),
            means=list(data["means"]),
            stds=list(data["stds"]),
            train=[Example(**example) for example in data["train"]],
            holdout=[Example(**example) for example in data["holdout"]],
        )


def raw_features(row: Mapping[str, str]) -> list[float] | None:
    """One row's unscaled features, or None when a value is missing or not a non-negative number."""
    try:
        tenure, spend, tickets = (float(row[name]) for name in FEATURE_NAMES[:3])
    except (KeyError, TypeError, ValueError):
        return None
    if min(tenure, spend, tickets) < 0 or not all(map(math.isfinite, (tenure, spend, tickets))):
        return None
    return [tenure, spend, tickets, spend / max(tenure, 1.0)]


def in_holdout(customer_id: str) -> bool:
    digest = hashlib.sha256(customer_id.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HOLDOUT_PERCENT


def prepare_features(rows: Iterable[Mapping[str, str]]) -> FeatureSet:
    """Parse, drop unusable rows, standardise on the training side only, and split by customer."""
    parsed: list[tuple[str, list[float], int]] = []
    for row in rows:
        features = raw_features(row)
        label = row.get(LABEL, "").strip()
        if features is not None and label in {"0", "1"} and row.get("customer_id"):
            parsed.append((row["customer_id"], features, int(label)))
    train_rows = [item for item in parsed if not in_holdout(item[0])]
    holdout_rows = [item for item in parsed if in_holdout(item[0])]
    if not train_rows or not holdout_rows:
        raise FeatureError(
            f"{len(parsed)} usable rows give {len(train_rows)} training and {len(holdout_rows)} holdout examples; "
            "both sides need at least one (check the input's columns and values)"
        )
    if len({label for _, _, label in train_rows}) < 2:
        raise FeatureError("the training rows hold a single label: a classifier needs both churned and retained")
    columns = list(zip(*(features for _, features, _ in train_rows), strict=True))
    means = [sum(column) / len(column) for column in columns]
    stds = [
        math.sqrt(sum((value - mean) ** 2 for value in column) / len(column)) or 1.0
        for column, mean in zip(columns, means, strict=True)
    ]

    def example(customer_id: str, features: list[float], label: int) -> Example:
        scaled = [(value - mean) / std for value, mean, std in zip(features, means, stds, strict=True)]
        return Example(customer_id, scaled, label)

    return FeatureSet(
        feature_names=list(FEATURE_NAMES),
        means=means,
        stds=stds,
        train=[example(*item) for item in train_rows],
        holdout=[example(*item) for item in holdout_rows],
    )
