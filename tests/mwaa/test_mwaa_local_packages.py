"""The repository's own packages reach MWAA as wheels in plugins.zip, installed by name from MWAA's plugins folder."""

from __future__ import annotations

import hashlib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from airflow_settings.versions import uv_executable
from mwaa.artifacts import REPO_ROOT, airflow_group, build, canonical
from mwaa.local_packages import MWAA_PLUGINS_FOLDER, build_wheels, workspace_packages
from mwaa.sources import source_files

OWN_PACKAGES = {"airflow-provider-dataplatform", "dataplatform-ml-steps"}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory):
    return build(tmp_path_factory.mktemp("mwaa"))


def wheel_names(plugins_zip: Path) -> list[str]:
    with zipfile.ZipFile(plugins_zip) as archive:
        return [name for name in archive.namelist() if name.endswith(".whl")]


class TestWheels:
    """Each workspace member of the airflow group becomes one reproducible wheel."""

    def test_should_find_the_workspace_members_of_the_airflow_group(self):
        members = workspace_packages(REPO_ROOT / "pyproject.toml")
        assert {canonical(name) for name in members} & set(airflow_group()) == OWN_PACKAGES

    def test_should_build_byte_identical_wheels_twice(self, tmp_path):
        packages = workspace_packages(REPO_ROOT / "pyproject.toml").values()
        first = build_wheels(packages, tmp_path / "a", uv=uv_executable(), repo_root=REPO_ROOT)
        second = build_wheels(packages, tmp_path / "b", uv=uv_executable(), repo_root=REPO_ROOT)

        digests = [[hashlib.sha256(wheel.file.read_bytes()).hexdigest() for wheel in run] for run in (first, second)]
        assert digests[0] == digests[1]

    def test_should_carry_the_provider_entry_point(self, artifacts, tmp_path):
        with zipfile.ZipFile(artifacts.plugins) as archive:
            (provider,) = [name for name in wheel_names(artifacts.plugins) if name.startswith("airflow_provider_")]
            archive.extract(provider, tmp_path)
        with zipfile.ZipFile(tmp_path / provider) as wheel:
            info = next(name for name in wheel.namelist() if name.endswith(".dist-info/entry_points.txt"))
            metadata = Parser().parsestr(wheel.read(info.replace("entry_points.txt", "METADATA")).decode())
            assert "[apache_airflow_provider]" in wheel.read(info).decode()
        assert metadata["Name"] == "airflow-provider-dataplatform"


class TestShipping:
    """plugins.zip holds the wheels at its root; requirements.txt installs exactly those files."""

    def test_should_put_the_wheels_beside_the_plugins_at_the_zip_root(self, artifacts):
        with zipfile.ZipFile(artifacts.plugins) as archive:
            names = archive.namelist()
        plugins = [str(path) for path in source_files(REPO_ROOT / "plugins")]
        assert sorted(set(names) - set(plugins)) == sorted(wheel_names(artifacts.plugins))
        assert len(wheel_names(artifacts.plugins)) == len(OWN_PACKAGES)

    def test_should_install_each_wheel_by_its_path_in_mwaas_plugins_folder(self, artifacts):
        lines = [line for line in artifacts.requirements.read_text().splitlines() if " @ file://" in line]
        expected = {f"file://{MWAA_PLUGINS_FOLDER}/{name}" for name in wheel_names(artifacts.plugins)}
        assert {line.split(" @ ", 1)[1] for line in lines} == expected
        assert {canonical(line.split(" @ ", 1)[0]) for line in lines} == OWN_PACKAGES

    def test_should_never_look_the_own_packages_up_on_an_index(self, artifacts):
        text = artifacts.requirements.read_text()
        assert "--find-links" not in text and "--extra-index-url" not in text
        for name in OWN_PACKAGES:
            assert f"{name}==" not in text

    def test_should_give_the_same_plugins_zip_when_rebuilt(self, artifacts, tmp_path):
        assert build(tmp_path).plugins.read_bytes() == artifacts.plugins.read_bytes()
