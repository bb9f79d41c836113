"""Render a pipeline's template into the source of one static DAG file.

The template gets only validated values, each written into the file as a Python literal (the `py` filter), so the
DAG file is plain code with constants: parsing it reads no database, no API and no variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel

from pipeline_service.pipelines import Pipeline


class TemplateError(RuntimeError):
    """The template could not be rendered; nothing was delivered."""


@dataclass(frozen=True)
class RenderedDag:
    dag_id: str
    source: str

    @property
    def file_name(self) -> str:
        return f"{self.dag_id}.py"


def dag_id_for(pipeline: str, customer_id: str, request_id: str) -> str:
    """`<pipeline>__<customer>__<request>`: unique per request, and a Python identifier (the DAG function's name)."""
    return f"{pipeline}__{customer_id.replace('-', '_')}__{request_id}"


def python_literal(value: Any) -> str:
    """A value as Python source; only plain JSON-like values, so no template input can become code."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{python_literal(k)}: {python_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(python_literal(item) for item in value) + "]"
    if value is None or isinstance(value, str | int | float | bool):
        return repr(value)
    raise TypeError(f"{type(value).__name__} cannot be written into a DAG file: pass str, number, bool, list or dict")


def render(
    pipeline: Pipeline, *, customer_id: str, parameters: BaseModel, request_id: str, templates_dir: Path
) -> RenderedDag:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        # An undefined name is a template bug: fail here rather than write an empty value into a DAG.
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # the output is Python, not HTML; values go through the `py` filter instead
    )
    environment.filters["py"] = python_literal
    dag_id = dag_id_for(pipeline.name, customer_id, request_id)
    try:
        source = environment.get_template(pipeline.template).render(
            dag_id=dag_id,
            pipeline=pipeline.name,
            customer_id=customer_id,
            request_id=request_id,
            parameters=parameters.model_dump(mode="json"),
        )
    except (jinja2.TemplateError, TypeError) as err:
        raise TemplateError(f"template {pipeline.template} of {pipeline.name} did not render: {err}") from err
    return RenderedDag(dag_id, source)
