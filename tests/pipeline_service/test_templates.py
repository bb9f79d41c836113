"""Rendering: the real template gives a static DAG file that passes the gates; a broken one never ships."""

from __future__ import annotations

import ast

import pytest
from fastapi.testclient import TestClient

from pipeline_service import gates
from pipeline_service.app import create_app
from pipeline_service.pipelines import PIPELINES, CustomerExportParameters, RunRequest
from pipeline_service.render import TemplateError, dag_id_for, python_literal, render
from pipeline_service.service import PipelineService
from tests.pipeline_service.conftest import GOOD_REQUEST, pipeline_with_template, service_over

GOOD_TEMPLATE_HEAD = '''"""A one-shot DAG."""
import pendulum
from airflow.sdk import dag, task
'''


def rendered_export(request_id: str = "0123abcd"):
    request = RunRequest.model_validate(GOOD_REQUEST)
    return render(
        PIPELINES["customer_export"],
        customer_id=request.customer_id,
        parameters=CustomerExportParameters.model_validate(request.parameters),
        request_id=request_id,
        templates_dir=PipelineService.templates_dir,
    )


class TestRender:
    """The customer_export template renders into plain code with constants and passes every gate."""

    def test_should_name_the_dag_after_pipeline_customer_and_request(self):
        rendered = rendered_export()
        assert rendered.dag_id == dag_id_for("customer_export", "acme-retail", "0123abcd")
        assert rendered.dag_id == "customer_export__acme_retail__0123abcd"
        assert rendered.file_name == "customer_export__acme_retail__0123abcd.py"

    def test_should_pass_the_dag_gates(self):
        gates.check(rendered_export())

    def test_should_write_the_request_as_constants_and_read_nothing_at_parse_time(self):
        tree = ast.parse(rendered_export().source)
        constants = {node.targets[0].id: ast.unparse(node.value) for node in tree.body if isinstance(node, ast.Assign)}
        assert constants["CUSTOMER_ID"] == "'acme-retail'"
        assert constants["START_DATE"] == "datetime.date.fromisoformat('2026-11-01')"
        assert constants["FILE_FORMAT"] == "'csv'"
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert imported == {"__future__", "datetime", "pendulum", "airflow.sdk"}, "no DB, API or Variable access"

    @pytest.mark.parametrize(
        "value", ['"; import os; os.system("rm -rf /") #', "'''", "{{ 7 * 7 }}", ["a", {"b": 1.5, "c": None}]]
    )
    def test_should_write_any_value_as_an_inert_literal(self, value):
        assert ast.literal_eval(python_literal(value)) == value

    def test_should_refuse_a_value_that_is_not_plain_data(self):
        with pytest.raises(TypeError, match="object cannot be written into a DAG file"):
            python_literal(object())


# Each template renders a file that would break the DAG folder; the rule the refusal must name.
BROKEN_TEMPLATES = {
    "undefined-variable": ("{{ no_such_value }}", "did not render: 'no_such_value' is undefined"),
    "syntax-error": ("def {{ dag_id }}(:\n", "[compile]"),
    "import-error": (GOOD_TEMPLATE_HEAD + "raise RuntimeError('looked up a customer table')\n", "[import]"),
    "policy": (
        GOOD_TEMPLATE_HEAD + '@dag(dag_id={{ dag_id | py }}, schedule=None, tags=["one-shot"], doc_md=__doc__)\n'
        "def {{ dag_id }}():\n    @task\n    def only():\n        pass\n\n    only()\n\n\n{{ dag_id }}()\n",
        "[owner]",
    ),
    "other-dag-id": (
        GOOD_TEMPLATE_HEAD + '@dag(dag_id="something_else", schedule=None, tags=["one-shot"], doc_md=__doc__,\n'
        '     default_args={"owner": "data-platform", "retries": 1})\n'
        "def something_else():\n    @task\n    def only():\n        pass\n\n    only()\n\n\nsomething_else()\n",
        "[dag-id] defines ['something_else']",
    ),
}


class TestBrokenTemplates:
    """A template error is answered 500 with the reason, and the DAG folder never sees the file."""

    @pytest.mark.parametrize("case", sorted(BROKEN_TEMPLATES))
    def test_should_refuse_before_delivery(self, tmp_path, dags_folder, case):
        source, reason = BROKEN_TEMPLATES[case]
        templates = tmp_path / "templates"
        templates.mkdir()
        service = service_over(
            dags_folder, pipelines=pipeline_with_template(templates, source), templates_dir=templates
        )
        answer = TestClient(create_app(service)).post("/pipelines/customer_export/runs", json=GOOD_REQUEST)

        assert answer.status_code == 500
        assert answer.json()["detail"]["delivered"] is False
        assert reason in answer.json()["detail"]["error"], answer.json()
        assert list(dags_folder.iterdir()) == []

    def test_should_raise_template_errors_from_render_itself(self, tmp_path):
        (tmp_path / "broken.py.j2").write_text("{% if %}")
        pipelines = pipeline_with_template(tmp_path, "{% if %}")
        with pytest.raises(TemplateError, match="did not render"):
            render(
                pipelines["customer_export"],
                customer_id="acme-retail",
                parameters=CustomerExportParameters.model_validate(GOOD_REQUEST["parameters"]),
                request_id="0123abcd",
                templates_dir=tmp_path,
            )
