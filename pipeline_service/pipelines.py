"""The pipelines a client may request, each a template with a typed parameter model, and the request itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TEMPLATES_DIR = Path(__file__).with_name("templates")
# A customer id becomes part of a dag_id and of a Python identifier, so it is a slug: lowercase letters, digits and
# inner hyphens, starting with a letter.
CUSTOMER_ID = re.compile(r"[a-z][a-z0-9-]{1,30}[a-z0-9]")
MAX_EXPORT_DAYS = 31


class RunRequest(BaseModel):
    """The body of a run request; `parameters` are checked against the pipeline's own model afterwards."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(description="The customer the run is for, e.g. 'acme-retail'.")
    parameters: dict[str, Any] = Field(default_factory=dict, description="The pipeline's parameters.")

    @field_validator("customer_id")
    @classmethod
    def _customer_slug(cls, value: str) -> str:
        if not CUSTOMER_ID.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a customer id: use 3-32 lowercase letters, digits or inner hyphens, starting "
                "with a letter, e.g. 'acme-retail'"
            )
        return value


class CustomerExportParameters(BaseModel):
    """customer_export: one file per day of the range, in the given format, under the customer's export prefix."""

    model_config = ConfigDict(extra="forbid")

    start_date: date
    end_date: date
    file_format: Literal["csv", "parquet"] = "parquet"

    @model_validator(mode="after")
    def _range(self) -> CustomerExportParameters:
        days = (self.end_date - self.start_date).days + 1
        if days < 1:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        if days > MAX_EXPORT_DAYS:
            raise ValueError(f"the range covers {days} days; one run exports at most {MAX_EXPORT_DAYS}")
        return self


@dataclass(frozen=True)
class Pipeline:
    """A pipeline the service offers: its template (a file in the templates folder) and its parameters' model."""

    name: str
    template: str
    parameters: type[BaseModel]
    description: str


PIPELINES: dict[str, Pipeline] = {
    pipeline.name: pipeline
    for pipeline in [
        Pipeline(
            name="customer_export",
            template="customer_export.py.j2",
            parameters=CustomerExportParameters,
            description="Export a customer's orders for a date range, one file per day.",
        ),
    ]
}
