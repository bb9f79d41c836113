"""The provider as Airflow discovers it: entry point, schema, connection form, version and changelog, layout."""

from __future__ import annotations

import ast
import importlib
import json
import re
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import airflow
import dataplatform_provider
import jsonschema
import pytest
from airflow.providers_manager import ProvidersManager
from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime
from dataplatform_provider.get_provider_info import CONNECTION_TYPE, get_provider_info

PACKAGE_ROOT = Path(__file__).resolve().parents[3] / "providers" / "dataplatform"
SOURCE = PACKAGE_ROOT / "src" / "dataplatform_provider"
DISTRIBUTION = "airflow-provider-dataplatform"
# Which roles a module of each role may import (STYLE: a sensor imports its hook and trigger, never the reverse).
ALLOWED_IMPORTS = {
    "api": set(),
    "hooks": {"api"},
    "triggers": {"api", "hooks"},
    "operators": {"api", "hooks"},
    "sensors": {"api", "hooks", "triggers"},
}


class TestDiscovery:
    """Airflow's ProvidersManager finds the provider through its entry point, like a community one."""

    def test_should_register_the_apache_airflow_provider_entry_point(self):
        (entry_point,) = [ep for ep in entry_points(group="apache_airflow_provider") if ep.dist.name == DISTRIBUTION]
        assert entry_point.load() is get_provider_info

    def test_should_match_airflows_provider_info_schema(self):
        schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
        jsonschema.validate(get_provider_info(), schema)

    def test_should_list_the_provider_with_its_installed_version(self):
        provider = ProvidersManager().providers[DISTRIBUTION]
        assert provider.version == dataplatform_provider.__version__

    def test_should_map_the_connection_type_to_the_hook(self):
        hook = ProvidersManagerTaskRuntime().hooks[CONNECTION_TYPE]
        assert (hook.hook_class_name, hook.connection_type, hook.hook_name) == (
            "dataplatform_provider.hooks.jobs.JobsHook",
            CONNECTION_TYPE,
            "Data Platform Jobs",
        )

    def test_should_give_the_connection_form_its_fields(self):
        manager = ProvidersManager()
        behaviour = manager.field_behaviours[CONNECTION_TYPE]
        relabeled = behaviour["relabeling"]
        assert (relabeled["host"], relabeled["password"]) == ("Base URL", "API token")
        assert set(behaviour["hidden_fields"]) == {"schema", "login", "port", "extra"}
        timeout = manager.connection_form_widgets[f"extra__{CONNECTION_TYPE}__timeout"]
        assert timeout.field["schema"]["type"] == ["integer", "null"]

    @pytest.mark.parametrize("role", ["hooks", "operators", "sensors", "triggers"])
    def test_should_import_every_module_it_declares(self, role):
        (entry,) = get_provider_info()[role]
        for module in entry["python-modules"]:
            importlib.import_module(module)


class TestReleaseConventions:
    """Version written once (pyproject.toml), with a changelog section for it, as the community providers do."""

    def test_should_take_its_version_from_pyproject(self):
        project = tomllib.loads((PACKAGE_ROOT / "pyproject.toml").read_text())["project"]
        assert (project["name"], project["version"]) == (DISTRIBUTION, dataplatform_provider.__version__)

    def test_should_open_the_changelog_with_the_current_version(self):
        changelog = (PACKAGE_ROOT / "CHANGELOG.rst").read_text()
        versions = re.findall(r"^(\d+\.\d+\.\d+)\n\.+$", changelog, re.MULTILINE)
        assert versions and versions[0] == dataplatform_provider.__version__, versions


class TestLayout:
    """Split by role, then by service; dependencies point from sensors to hooks, never back."""

    @pytest.mark.parametrize("role", sorted(ALLOWED_IMPORTS))
    def test_should_import_only_lower_roles(self, role):
        for module in (SOURCE / role).glob("*.py"):
            imported = {
                node.module.split(".")[1]
                for node in ast.walk(ast.parse(module.read_text()))
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dataplatform_provider.")
            }
            assert imported <= ALLOWED_IMPORTS[role], f"{module.name} in {role}/ imports {sorted(imported)}"
