"""Training and evaluation of a logistic regression on the prepared features, in plain Python."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ml_steps.features import Example, FeatureSet


@dataclass(frozen=True)
class Model:
    """Weights over standardised features; `means`/`stds` scale a raw row the way training did."""

    feature_names: list[str]
    weights: list[float]
    bias: float
    means: list[float]
    stds: list[float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        return cls(**{name: data[name] for name in ("feature_names", "weights", "bias", "means", "stds")})

    def probability(self, features: Sequence[float]) -> float:
        """Churn probability of one standardised example."""
        score = self.bias + sum(weight * value for weight, value in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(score, 500.0), -500.0)))


def train(features: FeatureSet, *, epochs: int = 300, learning_rate: float = 0.5, l2: float = 0.01) -> Model:
    """Full-batch gradient descent on the log loss with an L2 penalty; deterministic (weights start at zero)."""
    if epochs < 1 or learning_rate <= 0 or l2 < 0:
        raise ValueError(f"need epochs >= 1, learning_rate > 0 and l2 >= 0; got {epochs}, {learning_rate}, {l2}")
    width = len(features.feature_names)
    weights, bias = [0.0] * width, 0.0
    examples = features.train
    for _ in range(epochs):
        model = Model(features.feature_names, weights, bias, features.means, features.stds)
        errors = [model.probability(example.features) - example.label for example in examples]
        gradient = [
            sum(error * example.features[i] for error, example in zip(errors, examples, strict=True)) / len(examples)
            + l2 * weights[i]
            for i in range(width)
        ]
        weights = [weight - learning_rate * step for weight, step in zip(weights, gradient, strict=True)]
        bias -= learning_rate * sum(errors) / len(examples)
    return Model(features.feature_names, weights, bias, features.means, features.stds)


def evaluate(model: Model, examples: Sequence[Example], *, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy and mean log loss on held-out examples."""
    if not examples:
        raise ValueError("no examples to evaluate on")
    probabilities = [model.probability(example.features) for example in examples]
    correct = sum((p >= threshold) == bool(e.label) for p, e in zip(probabilities, examples, strict=True))
    epsilon = 1e-12
    log_loss = -sum(
        math.log(max(p, epsilon)) if e.label else math.log(max(1 - p, epsilon))
        for p, e in zip(probabilities, examples, strict=True)
    ) / len(examples)
    return {"accuracy": correct / len(examples), "log_loss": log_loss, "examples": float(len(examples))}


def good_enough(metrics: Mapping[str, float], *, min_accuracy: float) -> bool:
    """Whether an evaluated model may be published."""
    return metrics["accuracy"] >= min_accuracy
