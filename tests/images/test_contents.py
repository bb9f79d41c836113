"""What is inside the image: the lock's versions, Java 17 and Spark, the airflow user, nothing left over."""

from __future__ import annotations

import ensurepip
import json
import shlex
import subprocess
import sysconfig
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from airflow_settings import load_settings
from airflow_settings.versions import AIRFLOW_VERSION, uv_executable
from mwaa.artifacts import airflow_group
from mwaa.local_packages import workspace_packages
from tests.images.support import REPO

pytestmark = pytest.mark.image

PROVIDER_MODULES = [
    "airflow.providers.amazon",
    "airflow.providers.apache.spark",
    "airflow.providers.celery",
    "airflow.providers.cncf.kubernetes",
    "airflow.providers.databricks",
    "airflow.providers.fab",
    "airflow.providers.git",
    "airflow.providers.postgres",
    "airflow.providers.redis",
    "airflow.providers.slack",
    "airflow.providers.standard",
]
INSTALLED_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
)
# The image's Python decides the lock's markers (its 3.11 patch release differs from the test runner's).
MARKER_ENVIRONMENT = "import json; from packaging.markers import default_environment as e; print(json.dumps(e()))"


def locked_airflow_group(environment: dict[str, str]) -> dict[str, str]:
    """name -> version of the lock's `airflow` group for `environment`, as `uv export` resolves it."""
    exported = subprocess.run(
        [
            uv_executable(),
            "export",
            "--frozen",
            "--only-group",
            "airflow",
            "--no-emit-project",
            "--no-emit-workspace",
            "--no-hashes",
            "--no-header",
            "--no-annotate",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    locked = {}
    for line in exported.splitlines():
        requirement, _, marker = line.partition(";")
        name, _, version = requirement.strip().partition("==")
        if name and (not marker.strip() or Marker(marker).evaluate(environment)):
            locked[canonicalize_name(name)] = version
    # The export writes the repository's own packages (uv workspace members) as paths, not pins.
    group = airflow_group(REPO / "pyproject.toml")
    for name, package in workspace_packages(REPO / "pyproject.toml").items():
        if canonicalize_name(name) in group:
            locked[canonicalize_name(name)] = package.version
    return locked


class TestPythonPackages:
    """The Airflow runtime is exactly the lock's airflow group, consistent and importable."""

    def test_installed_distributions_equal_the_lock(self, host):
        installed = json.loads(host.check_output(f'python -c "{INSTALLED_DISTRIBUTIONS}"'))
        installed = {canonicalize_name(name): version for name, version in installed.items()}
        locked = locked_airflow_group(json.loads(host.check_output(f'python -c "{MARKER_ENVIRONMENT}"')))
        assert installed == locked
        assert installed["apache-airflow"] == AIRFLOW_VERSION

    def test_pip_check_is_clean(self, host, image):
        # The image carries no pip: run the real one from the wheel ensurepip would install for the test
        # runner's Python, bundled with CPython or, on Debian and Ubuntu, in the distribution's wheel folder.
        folders = [Path(ensurepip.__file__).parent / "_bundled"]
        if distribution_wheels := sysconfig.get_config_var("WHEEL_PKG_DIR"):
            folders.append(Path(distribution_wheels))
        wheel = next((found for folder in folders for found in folder.glob("pip-*.whl")), None)
        assert wheel, (
            f"no pip wheel in {', '.join(map(str, folders))}: install python3-pip-whl (Debian, "
            "Ubuntu) or run the suite on a Python that bundles pip"
        )
        subprocess.run([image.engine, "cp", str(wheel), f"{host.backend.name}:/tmp/pip.whl"], check=True)
        result = host.run("python /tmp/pip.whl/pip check --disable-pip-version-check")
        assert result.rc == 0, result.stdout + result.stderr
        assert "No broken requirements found" in result.stdout

    def test_every_provider_imports(self, host):
        result = host.run(f"python -c 'import {', '.join(PROVIDER_MODULES)}'")
        assert result.rc == 0, result.stderr

    def test_in_house_packages_are_installed_not_linked_to_the_build_stage(self, host):
        # The provider registers like a community one; the ML steps are what KubernetesPodOperator pods run.
        providers = json.loads(host.check_output("airflow providers list --output json"))
        assert "airflow-provider-dataplatform" in {provider["package_name"] for provider in providers}
        assert host.run("python -m ml_steps --help").rc == 0
        assert "/opt/venv/" in host.check_output("python -c 'import ml_steps, sys; print(ml_steps.__file__)'")


class TestSystemTools:
    """The binaries providers shell out to are on PATH."""

    def test_git_runs_for_git_dag_bundles(self, host):
        assert host.run("git --version").rc == 0

    def test_has_every_program_the_compose_healthchecks_run(self, host):
        compose = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
        # ["CMD", program, args...] or ["CMD-SHELL", "program args..."]: the program is what must exist.
        programs = {
            service["healthcheck"]["test"][1].split()[0]
            for service in compose["services"].values()
            if service.get("image", "").startswith("${AIRFLOW_IMAGE_NAME") and "healthcheck" in service
        }
        assert {"curl", "airflow", "celery"} <= programs, programs
        missing = sorted(program for program in programs if not host.exists(program))
        assert not missing, f"docker-compose.yaml healthchecks run {missing}, which the image lacks"

    def test_ssh_client_runs_for_git_over_ssh(self, host):
        assert host.run("ssh -V").rc == 0


class TestNativeLibraries:
    """Compiled extensions and the libraries wheels vendor still load after the image's trimming."""

    def test_numpy_pandas_and_pyarrow_compute(self, host):
        script = (
            "import numpy, pandas, pyarrow, pyarrow.compute, pyarrow.parquet as pq; "
            "pq.write_table(pyarrow.table({'a': [1, 2, 3]}), '/tmp/t.parquet'); "
            "print(pyarrow.compute.sum(pq.read_table('/tmp/t.parquet')['a']).as_py(), "
            "int(numpy.linalg.inv(numpy.eye(2) * 2).sum() * 4), int(pandas.Series([1, 2]).sum()))"
        )
        assert host.check_output(f'python -c "{script}"') == "6 4 3"

    def test_other_compiled_extensions_import(self, host):
        modules = [
            "cryptography.hazmat.bindings._rust",
            "greenlet",
            "grpc",
            "psycopg2",
            "sqlalchemy.sql._util_cy",
            "uvloop",
            "zstandard",
        ]
        result = host.run(f"python -c 'import {', '.join(modules)}'")
        assert result.rc == 0, result.stderr


class TestJavaAndSpark:
    """Java 17 and the pinned pyspark's spark-submit run a job in local mode."""

    def test_java_is_17(self, host):
        result = host.run("java -version")
        assert result.rc == 0
        assert 'version "17.' in result.stderr
        java_home = host.environment()["JAVA_HOME"]
        assert host.file(f"{java_home}/bin/java").exists

    def test_spark_submit_runs_a_pyspark_job(self, host):
        job = (
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.appName('image-test').getOrCreate()\n"
            "total = spark.range(1, 101).selectExpr('sum(id * id) AS total').first().total\n"
            "print(f'SUM_OF_SQUARES={total}')\n"
            "spark.stop()\n"
        )
        host.run(f"cat > /tmp/sum_of_squares.py <<'EOF'\n{job}EOF")
        result = host.run("spark-submit --master 'local[1]' /tmp/sum_of_squares.py")
        assert result.rc == 0, result.stderr[-3000:]
        assert "SUM_OF_SQUARES=338350" in result.stdout


class TestUserAndLayout:
    """The official image's user contract: airflow 50000:0 at home in a group-writable /opt/airflow."""

    def test_runs_as_uid_50000_gid_0(self, host):
        assert host.check_output("id -u") == "50000"
        assert host.check_output("id -g") == "0"
        user = host.user()
        assert (user.name, user.uid, user.gid, user.home) == ("airflow", 50000, 0, "/opt/airflow")

    def test_airflow_home_is_group_writable(self, host):
        assert host.environment()["AIRFLOW_HOME"] == "/opt/airflow"
        for path in [
            "/opt/airflow",
            "/opt/airflow/dags",
            "/opt/airflow/logs",
            "/opt/airflow/plugins",
            "/opt/airflow/config",
        ]:
            directory = host.file(path)
            assert directory.is_directory, path
            assert (directory.uid, directory.gid) == (50000, 0), path
            assert directory.mode & 0o070 == 0o070, f"{path} mode {directory.mode:o}"

    def test_installed_packages_are_read_only_for_airflow(self, host):
        assert host.run("test -w /opt/venv/lib").rc != 0

    def test_has_no_setuid_or_setgid_files(self, root_host):
        found = root_host.check_output("find / -xdev -type f -perm /6000 -print")
        assert found == ""


class TestPlatformPlugins:
    """plugins/ is baked in: on EKS nothing else delivers it, and the workers' Celery config lives there."""

    def test_plugins_folder_holds_the_repository_plugins(self, host):
        shipped = sorted(
            path.relative_to(REPO / "plugins").as_posix()
            for path in (REPO / "plugins").rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        )
        in_image = sorted(
            host.check_output(
                "cd /opt/airflow/plugins && find . -type f -not -path '*/__pycache__/*' | sed 's|^./||'"
            ).splitlines()
        )
        assert in_image == shipped

    def test_airflow_loads_the_dataplatform_plugin(self, host):
        result = host.run("airflow plugins --output json")
        assert result.rc == 0, result.stderr
        assert "dataplatform" in [plugin["name"] for plugin in json.loads(result.stdout)]

    def test_celery_config_of_the_settings_resolves_in_the_image(self, host):
        configured = load_settings().for_target("eks")["celery"]["celery_config_options"]
        check = (
            "from airflow.configuration import conf; print(sorted(conf.getimport('celery', 'celery_config_options')))"
        )
        result = host.run(f"AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS={configured} python -c {shlex.quote(check)}")
        assert result.rc == 0, result.stderr
        assert "broker_url" in result.stdout


class TestNothingLeftOver:
    """The final layer holds no compilers, no build tools and no package caches."""

    @pytest.mark.parametrize("tool", ["gcc", "cc", "c++", "g++", "clang", "make", "ld", "as", "uv", "pip", "pip3"])
    def test_has_no_build_tool(self, host, tool):
        assert not host.exists(tool)

    def test_has_no_package_caches(self, root_host):
        leftovers = root_host.check_output(
            "find /root/.cache /opt/airflow/.cache /var/cache/apt /var/lib/apt/lists"
            " -mindepth 1 -not -name lock -not -name partial -print 2>/dev/null || true"
        )
        assert leftovers == ""


class TestMetadata:
    """OCI labels name the image and the Airflow version it carries."""

    def test_oci_labels(self, image):
        labels = json.loads(
            subprocess.run(
                [image.engine, "image", "inspect", "--format", "{{json .Config.Labels}}", image.tag],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        assert labels["org.opencontainers.image.title"] == "airflow-on-aws"
        assert labels["org.opencontainers.image.version"] == AIRFLOW_VERSION
        assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
        assert labels["org.opencontainers.image.created"]
