"""prepare_features: unusable rows dropped, a stable split by customer, scaling learnt on the training side."""

from __future__ import annotations

import math

import pytest
from ml_steps.features import FEATURE_NAMES, FeatureError, FeatureSet, in_holdout, prepare_features, raw_features

from tests.ml_steps.customers import customer_rows


class TestRawFeatures:
    """One row's features, or None for a row the model must not see."""

    def test_should_derive_spend_per_tenure_month(self):
        row = {"tenure_months": "10", "monthly_spend": "50", "support_tickets": "2"}
        assert raw_features(row) == [10.0, 50.0, 2.0, 5.0]

    def test_should_count_a_new_customer_as_one_month(self):
        row = {"tenure_months": "0", "monthly_spend": "30", "support_tickets": "0"}
        assert raw_features(row)[-1] == 30.0

    @pytest.mark.parametrize(
        "row",
        [
            {"tenure_months": "", "monthly_spend": "50", "support_tickets": "2"},
            {"tenure_months": "ten", "monthly_spend": "50", "support_tickets": "2"},
            {"tenure_months": "-1", "monthly_spend": "50", "support_tickets": "2"},
            {"tenure_months": "nan", "monthly_spend": "50", "support_tickets": "2"},
            {"monthly_spend": "50", "support_tickets": "2"},
        ],
        ids=["empty", "text", "negative", "nan", "missing"],
    )
    def test_should_refuse_unusable_values(self, row):
        assert raw_features(row) is None


class TestPrepareFeatures:
    """The feature set the training step receives."""

    def test_should_split_about_a_fifth_out_and_keep_every_usable_row(self):
        features = prepare_features(customer_rows(400))
        assert len(features.train) + len(features.holdout) == 400
        assert 0.12 < len(features.holdout) / 400 < 0.28
        assert all(in_holdout(example.customer_id) for example in features.holdout)

    def test_should_drop_rows_without_a_valid_label_or_values(self):
        rows = customer_rows(50)
        rows[0]["churned"] = "maybe"
        rows[1]["monthly_spend"] = "-3"
        features = prepare_features(rows)
        kept = {example.customer_id for example in features.train + features.holdout}
        assert rows[0]["customer_id"] not in kept and rows[1]["customer_id"] not in kept
        assert len(kept) == 48

    def test_should_standardise_the_training_side_to_mean_zero_and_unit_variance(self):
        features = prepare_features(customer_rows(400))
        assert features.feature_names == list(FEATURE_NAMES)
        for column in zip(*(example.features for example in features.train), strict=True):
            mean = sum(column) / len(column)
            assert math.isclose(mean, 0.0, abs_tol=1e-9)
            assert math.isclose(sum((value - mean) ** 2 for value in column) / len(column), 1.0, rel_tol=1e-9)

    def test_should_round_trip_through_its_json_form(self):
        features = prepare_features(customer_rows(60))
        assert FeatureSet.from_dict(features.to_dict()) == features

    def test_should_refuse_data_with_one_label_only(self):
        rows = [{**row, "churned": "0"} for row in customer_rows(60)]
        with pytest.raises(FeatureError, match="single label"):
            prepare_features(rows)

    def test_should_refuse_data_too_small_to_split(self):
        with pytest.raises(FeatureError, match="both sides need at least one"):
            prepare_features(customer_rows(1))
