"""The data platform's in-house Airflow provider: the Jobs service's hook, operator, trigger and sensor."""

from __future__ import annotations

from importlib.metadata import version

__all__ = ["__version__"]

# Written once, in pyproject.toml; the installed metadata carries it here.
__version__ = version("airflow-provider-dataplatform")
