"""plugins.zip: byte-identical across rebuilds, caches left out, and loadable by Airflow from the zip root."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from mwaa.artifacts import REPO_ROOT, write_plugins_zip
from mwaa.sources import source_files

PLUGIN_TREE = {
    "probe_plugin.py": (
        "from airflow.plugins_manager import AirflowPlugin\n"
        "from probe_pkg.macros import double\n\n\n"
        "class ProbePlugin(AirflowPlugin):\n"
        '    name = "mwaa_probe"\n'
        "    macros = [double]\n"
    ),
    "probe_pkg/__init__.py": "",
    "probe_pkg/macros.py": "def double(value):\n    return 2 * value\n",
    "bin/run-tool.sh": "#!/bin/sh\necho tool\n",
    "probe_pkg/__pycache__/macros.cpython-312.pyc": "bytecode",
    "probe_pkg/.pytest_cache/README.md": "cache",
    "stale.pyc": "bytecode",
}
SHIPPED = ["bin/run-tool.sh", "probe_pkg/__init__.py", "probe_pkg/macros.py", "probe_plugin.py"]


def plugin_tree(root: Path, mtime: int, umask_mode: int) -> Path:
    for relative, text in PLUGIN_TREE.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o755 if relative.endswith(".sh") else umask_mode)
        os.utime(path, (mtime, mtime))
    return root


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class TestReproducibility:
    """Same sources give the same bytes, whatever the checkout's folder, timestamps or umask."""

    def test_should_be_byte_identical_across_folders_mtimes_and_modes(self, tmp_path):
        first = plugin_tree(tmp_path / "checkout-a" / "plugins", mtime=1_000_000_000, umask_mode=0o644)
        second = plugin_tree(tmp_path / "elsewhere" / "b" / "plugins", mtime=1_700_000_000, umask_mode=0o664)

        write_plugins_zip(first, tmp_path / "a.zip")
        write_plugins_zip(second, tmp_path / "b.zip")

        assert sha256(tmp_path / "a.zip") == sha256(tmp_path / "b.zip")

    def test_should_change_when_a_plugin_changes(self, tmp_path):
        tree = plugin_tree(tmp_path / "plugins", mtime=1_000_000_000, umask_mode=0o644)
        write_plugins_zip(tree, tmp_path / "before.zip")
        (tree / "probe_pkg" / "macros.py").write_text("def double(value):\n    return value + value\n")
        write_plugins_zip(tree, tmp_path / "after.zip")

        assert sha256(tmp_path / "before.zip") != sha256(tmp_path / "after.zip")


class TestContents:
    """Entries MWAA unpacks into its plugins folder."""

    def test_should_hold_the_tree_at_the_root_sorted_without_caches(self, tmp_path):
        write_plugins_zip(plugin_tree(tmp_path / "plugins", 1_000_000_000, 0o600), tmp_path / "plugins.zip")

        with zipfile.ZipFile(tmp_path / "plugins.zip") as archive:
            entries = archive.infolist()
        assert [entry.filename for entry in entries] == SHIPPED
        assert {entry.date_time for entry in entries} == {(1980, 1, 1, 0, 0, 0)}
        modes = {entry.filename: oct(entry.external_attr >> 16 & 0o777) for entry in entries}
        assert modes == {name: "0o755" if name.endswith(".sh") else "0o644" for name in SHIPPED}

    def test_should_zip_the_repository_plugins_folder_as_is(self, tmp_path):
        write_plugins_zip(REPO_ROOT / "plugins", tmp_path / "plugins.zip")

        with zipfile.ZipFile(tmp_path / "plugins.zip") as archive:
            assert archive.namelist() == [str(path) for path in source_files(REPO_ROOT / "plugins")]


class TestAirflowLoadsIt:
    """Unpacked as MWAA does, the zip is a plugins folder Airflow 3 loads (plugin and its package import)."""

    def test_should_register_the_plugin_and_its_macro(self, tmp_path):
        write_plugins_zip(plugin_tree(tmp_path / "src", 1_000_000_000, 0o644), tmp_path / "plugins.zip")
        plugins_folder = tmp_path / "usr-local-airflow-plugins"
        shutil.unpack_archive(tmp_path / "plugins.zip", plugins_folder)
        home = tmp_path / "airflow-home"
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }

        done = subprocess.run(
            [Path(sys.executable).with_name("airflow"), "plugins", "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

        assert done.returncode == 0, done.stderr
        plugins = {plugin["name"]: plugin for plugin in json.loads(done.stdout)}
        assert plugins["mwaa_probe"]["source"] == "$PLUGINS_FOLDER/probe_plugin.py"
        assert plugins["mwaa_probe"]["macros"] == ["probe_pkg.macros.double"]
