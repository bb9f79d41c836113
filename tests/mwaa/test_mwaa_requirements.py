"""requirements.txt for MWAA: the constraint line of the pinned Airflow, and pins equal to uv.lock."""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import pytest
from packaging.requirements import Requirement
from packaging.utils import parse_wheel_filename

from airflow_settings.versions import AIRFLOW_VERSION
from mwaa.artifacts import (
    MWAA_OWNED,
    REPO_ROOT,
    ArtifactError,
    airflow_group,
    build,
    canonical,
    locked_airflow_pins,
    mwaa_python,
    mwaa_requirements,
    parse_pins,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("mwaa")).requirements


def requirement_lines(text: str) -> list[Requirement]:
    return [Requirement(line) for line in text.splitlines() if line and not line.startswith(("#", "--"))]


def own_packages(text: str) -> dict[str, Requirement]:
    """The repository's own packages, which requirements.txt installs from their wheel in plugins.zip."""
    return {canonical(requirement.name): requirement for requirement in requirement_lines(text) if requirement.url}


def lock_versions() -> dict[str, set[str]]:
    """Versions per package straight from uv.lock (a package may appear once per resolution fork)."""
    versions: dict[str, set[str]] = {}
    for package in tomllib.loads((REPO_ROOT / "uv.lock").read_text())["package"]:
        versions.setdefault(canonical(package["name"]), set()).add(package["version"])
    return versions


class TestRequirementsFile:
    """The built requirements.txt, read as MWAA's pip reads it."""

    def test_should_carry_one_constraint_line_for_the_pinned_airflow_and_mwaa_python(self, built):
        lines = built.read_text().splitlines()
        constraint_lines = [line for line in lines if line.startswith("--constraint")]

        assert constraint_lines == [
            f'--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-{AIRFLOW_VERSION}/'
            f'constraints-{mwaa_python()}.txt"'
        ]

    def test_should_pin_every_package_to_the_version_in_uv_lock(self, built):
        locked = lock_versions()
        requirements = requirement_lines(built.read_text())

        assert requirements, "requirements.txt lists no package"
        for requirement in requirements:
            if requirement.url:
                _, version, _, _ = parse_wheel_filename(PurePosixPath(urlparse(requirement.url).path).name)
                assert str(version) in locked[canonical(requirement.name)], f"{requirement} differs from uv.lock"
                continue
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{requirement} must be an exact pin"
            assert specifier.version in locked[canonical(requirement.name)], (
                f"{requirement} differs from uv.lock ({locked[canonical(requirement.name)]})"
            )

    def test_should_ship_exactly_the_airflow_group_minus_what_mwaa_owns(self, built):
        shipped = set(parse_pins(built.read_text())) | set(own_packages(built.read_text()))

        assert shipped == set(airflow_group()) - set(MWAA_OWNED)
        assert not shipped & {"apache-airflow", "celery", "psycopg2-binary"}

    def test_should_keep_the_extras_the_airflow_group_asks_for(self, built):
        # The deferrable AWS operators need aiobotocore; MWAA's pip installs it within its constraints.
        assert "apache-airflow-providers-amazon[aiobotocore]==" in built.read_text()
        assert all(
            parse_pins(built.read_text())[name].extras == extras
            for name, extras in airflow_group().items()
            if name not in MWAA_OWNED and name not in own_packages(built.read_text())
        )

    def test_should_be_identical_when_rebuilt(self, built, tmp_path):
        assert build(tmp_path).requirements.read_bytes() == built.read_bytes()


class TestConstraintCheck:
    """A local copy of the constraints file turns MWAA's install-time conflict into a build error."""

    def test_should_fail_naming_each_pin_the_constraints_contradict(self, built, tmp_path):
        pins = parse_pins(built.read_text())
        amazon = pins["apache-airflow-providers-amazon"]
        constraints = tmp_path / "constraints-3.12.txt"
        constraints.write_text(
            f"# upstream copy\nApache_Airflow_Providers_Amazon==0.0.1\n"
            f"{pins['pyspark-client'].line()}\nunrelated-package==1.0\n"
        )

        with pytest.raises(ArtifactError) as refused:
            build(tmp_path / "out", constraints_file=constraints)

        message = str(refused.value)
        assert f"1 pin(s) conflict with {constraints}" in message
        assert f"{amazon.name}=={amazon.version} (lock) but the constraints file says ==0.0.1" in message
        assert "Fix: pin those packages in pyproject.toml's airflow group" in message
        assert not (tmp_path / "out").exists(), "nothing may be written when the check fails"

    def test_should_build_when_the_constraints_agree(self, built, tmp_path):
        constraints = tmp_path / "constraints-3.12.txt"
        constraints.write_text(built.read_text())

        rebuilt = build(tmp_path / "out", constraints_file=constraints).requirements
        assert rebuilt.read_text() == built.read_text()


class TestInputs:
    """Inputs the generator refuses, with the fix in the message."""

    def test_should_refuse_an_airflow_version_without_a_known_mwaa_python(self):
        with pytest.raises(ArtifactError, match=r"Airflow 9\.9\.9 is not recorded.*MWAA_PYTHON_BY_AIRFLOW"):
            mwaa_requirements({}, [], airflow_version="9.9.9")

    def test_should_refuse_a_group_member_missing_from_the_lock(self):
        expected = r"apache-airflow-providers-new in the airflow group but not in the lock export\. Fix: run"
        with pytest.raises(ArtifactError, match=expected):
            mwaa_requirements({}, ["apache-airflow", "apache-airflow-providers-new"])

    def test_should_say_how_to_get_uv_when_it_is_missing(self, monkeypatch, tmp_path):
        monkeypatch.setenv("UV", str(tmp_path / "no-uv-here"))

        with pytest.raises(ArtifactError, match=r"no-uv-here not found\. Fix: run `make mwaa-artifacts`"):
            locked_airflow_pins()
