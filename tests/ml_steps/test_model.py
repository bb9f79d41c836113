"""train and evaluate: a model that beats the base rate on held-out customers, deterministically."""

from __future__ import annotations

import pytest
from ml_steps.features import prepare_features
from ml_steps.model import Model, evaluate, good_enough, train

from tests.ml_steps.customers import customer_rows


@pytest.fixture(scope="module")
def features():
    return prepare_features(customer_rows(400))


class TestTrain:
    """Gradient descent on the log loss, from zero weights."""

    def test_should_learn_the_signs_the_data_was_made_with(self, features):
        weights = dict(zip(features.feature_names, train(features).weights, strict=True))
        assert weights["support_tickets"] > 0, "more tickets, more churn"
        assert weights["tenure_months"] < 0, "longer tenure, less churn"

    def test_should_give_the_same_model_on_every_run(self, features):
        assert train(features) == train(features)

    def test_should_round_trip_through_its_json_form(self, features):
        model = train(features, epochs=5)
        assert Model.from_dict(model.to_dict()) == model

    @pytest.mark.parametrize("arguments", [{"epochs": 0}, {"learning_rate": 0}, {"l2": -1}])
    def test_should_refuse_settings_that_cannot_train(self, features, arguments):
        with pytest.raises(ValueError, match="need epochs >= 1"):
            train(features, **arguments)


class TestEvaluate:
    """Metrics on the holdout side, and the bar a model must clear to be published."""

    def test_should_beat_the_base_rate_on_held_out_customers(self, features):
        metrics = evaluate(train(features), features.holdout)
        churn_rate = sum(example.label for example in features.holdout) / len(features.holdout)
        assert metrics["accuracy"] > max(churn_rate, 1 - churn_rate) + 0.1, metrics
        assert metrics["examples"] == len(features.holdout)

    def test_should_score_an_untrained_model_at_log_two(self, features):
        untrained = train(features, epochs=1, learning_rate=1e-12)
        assert evaluate(untrained, features.holdout)["log_loss"] == pytest.approx(0.6931, abs=1e-3)

    def test_should_refuse_an_empty_holdout(self, features):
        with pytest.raises(ValueError, match="no examples"):
            evaluate(train(features, epochs=1), [])

    @pytest.mark.parametrize(("accuracy", "published"), [(0.74, False), (0.75, True), (0.9, True)])
    def test_should_publish_only_at_or_above_the_bar(self, accuracy, published):
        assert good_enough({"accuracy": accuracy}, min_accuracy=0.75) is published
