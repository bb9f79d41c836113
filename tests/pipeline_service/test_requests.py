"""Bad requests get answers that say what to fix, and never reach the DAG folder or Airflow."""

from __future__ import annotations

import pytest

from tests.pipeline_service.conftest import GOOD_REQUEST


def with_parameters(**changes) -> dict:
    return {**GOOD_REQUEST, "parameters": {**GOOD_REQUEST["parameters"], **changes}}


class TestRefusals:
    """Unknown pipeline, bad customer id, bad parameters: 404 or 422, each naming the field and the fix."""

    def test_should_refuse_an_unknown_pipeline_with_the_ones_on_offer(self, api, dags_folder):
        answer = api.post("/pipelines/customer_delete/runs", json=GOOD_REQUEST)
        assert answer.status_code == 404
        assert answer.json()["detail"] == "no pipeline 'customer_delete'; the service offers ['customer_export']"
        assert not list(dags_folder.iterdir())

    @pytest.mark.parametrize("customer_id", ["Acme", "a", "acme retail", "acme-", "1acme", "acme'); import os #"])
    def test_should_refuse_a_customer_id_that_is_not_a_slug(self, api, dags_folder, customer_id):
        answer = api.post("/pipelines/customer_export/runs", json={**GOOD_REQUEST, "customer_id": customer_id})
        assert answer.status_code == 422
        (error,) = answer.json()["detail"]
        assert error["loc"] == ["body", "customer_id"]
        assert f"{customer_id!r} is not a customer id: use 3-32 lowercase letters" in error["msg"]
        assert not list(dags_folder.iterdir())

    @pytest.mark.parametrize(
        ("parameters", "loc", "message"),
        [
            (with_parameters(end_date="2026-10-31"), ["parameters"], "end_date 2026-10-31 is before start_date"),
            (with_parameters(end_date="2027-01-01"), ["parameters"], "covers 62 days; one run exports at most 31"),
            (with_parameters(file_format="xlsx"), ["parameters", "file_format"], "Input should be 'csv' or 'parquet'"),
            (with_parameters(start_date="yesterday"), ["parameters", "start_date"], "Input should be a valid date"),
            (with_parameters(region="eu"), ["parameters", "region"], "Extra inputs are not permitted"),
            ({**GOOD_REQUEST, "parameters": {}}, ["parameters", "start_date"], "Field required"),
        ],
        ids=["reversed-range", "range-too-long", "unknown-format", "not-a-date", "unknown-parameter", "missing"],
    )
    def test_should_refuse_bad_parameters_naming_the_parameter(self, api, dags_folder, parameters, loc, message):
        answer = api.post("/pipelines/customer_export/runs", json=parameters)
        assert answer.status_code == 422
        assert any(error["loc"] == loc and message in error["msg"] for error in answer.json()["detail"]), answer.json()
        assert not list(dags_folder.iterdir())

    def test_should_refuse_unknown_fields_in_the_request(self, api):
        answer = api.post("/pipelines/customer_export/runs", json={**GOOD_REQUEST, "priority": "high"})
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["body", "priority"]


class TestCatalogue:
    """What a client can ask for."""

    def test_should_list_each_pipeline_with_its_parameters_schema(self, api):
        catalogue = api.get("/pipelines").json()
        assert list(catalogue) == ["customer_export"]
        schema = catalogue["customer_export"]["parameters"]
        assert schema["required"] == ["start_date", "end_date"]
        assert schema["properties"]["file_format"]["enum"] == ["csv", "parquet"]
