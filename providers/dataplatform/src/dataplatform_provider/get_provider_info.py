"""What the `apache_airflow_provider` entry point tells Airflow's ProvidersManager about this provider.

The connection form is declared here (`conn-fields`, `ui-field-behaviour`), the way Airflow 3.2+ reads it without
importing the hook; the hook methods `get_connection_form_widgets`/`get_ui_field_behaviour` are deprecated since.
"""

from __future__ import annotations

from typing import Any

from dataplatform_provider.api.jobs import DEFAULT_TIMEOUT_S

INTEGRATION = "Data Platform Jobs"
CONNECTION_TYPE = "dataplatform_jobs"


def get_provider_info() -> dict[str, Any]:
    """The provider's capabilities, in the shape of Airflow's provider_info.schema.json."""
    return {
        "package-name": "airflow-provider-dataplatform",
        "name": "Data Platform",
        "description": "Hook, operator, deferrable trigger and sensor for the data platform's Jobs service.",
        "integrations": [{"integration-name": INTEGRATION, "tags": ["service"]}],
        "hooks": [{"integration-name": INTEGRATION, "python-modules": ["dataplatform_provider.hooks.jobs"]}],
        "operators": [{"integration-name": INTEGRATION, "python-modules": ["dataplatform_provider.operators.jobs"]}],
        "sensors": [{"integration-name": INTEGRATION, "python-modules": ["dataplatform_provider.sensors.jobs"]}],
        "triggers": [{"integration-name": INTEGRATION, "python-modules": ["dataplatform_provider.triggers.jobs"]}],
        "connection-types": [
            {
                "connection-type": CONNECTION_TYPE,
                "hook-class-name": "dataplatform_provider.hooks.jobs.JobsHook",
                "hook-name": "Data Platform Jobs",
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "login", "port", "extra"],
                    # Labels of the form's fields, not values.
                    "relabeling": {"host": "Base URL", "password": "API token"},  # pragma: allowlist secret
                    "placeholders": {"host": "https://jobs.internal", "timeout": str(DEFAULT_TIMEOUT_S)},
                },
                "conn-fields": {
                    "timeout": {
                        "label": "Request timeout (s)",
                        "schema": {"type": ["integer", "null"], "minimum": 1},
                        "description": f"Optional. Seconds one request may take (default {DEFAULT_TIMEOUT_S}).",
                    },
                },
            }
        ],
    }
