"""The statsd_exporter configuration the official chart deploys for us, read from the pinned chart tarball.

The chart's `airflow-statsd` ConfigMap holds `mappings.yml`: its templates/configmaps/statsd-configmap.yaml
renders the chart's files/statsd-mappings.yml through `tpl`, appends `statsd.extraMappings` (ours:
statsd/extra-mappings.yaml) with `toYaml | nindent 6`, then `defaults: ttl:` from `statsd.cache.ttl`; the
statsd Deployment passes `--statsd.cache-size`, `--statsd.cache-type` and `statsd.args`. This module does the
same with the chart's own files and default values, so the native stack's statsd_exporter translates exactly
as the EKS one does. Measured against `helm template` (Helm 3.19, chart 1.22.0, these extraMappings): the
ConfigMap's mappings.yml is byte for byte `mapping_config()`. When the suite has a helm binary, the render can
replace the reading below; everything else asks for the mapping text through `mapping_config()` only.
"""

from __future__ import annotations

import os
import re
import tarfile
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from airflow_settings.versions import pin

EXTRA_MAPPINGS_FILE = Path(__file__).with_name("statsd") / "extra-mappings.yaml"
CHART_MAPPINGS = "airflow/files/statsd-mappings.yml"
CHART_VALUES = "airflow/values.yaml"
# The one template action files/statsd-mappings.yml holds (a licence note for chart maintainers), which `tpl`
# renders to nothing. Anything else between braces is template logic this module does not emulate.
TEMPLATE_COMMENT = re.compile(r"\{\{/\*.*?\*/\}\}", re.DOTALL)
# Where the chart mounts the ConfigMap; statsd.args names it.
CHART_MAPPING_PATH = "/etc/statsd-exporter/mappings.yml"


class ChartUnreadable(RuntimeError):
    """The chart tarball is missing, or its statsd files changed in a way this module can't follow."""


def chart_tarball() -> Path:
    """The pinned chart: $AIRFLOW_CHART_TARBALL (make exports it), else where `make chart-schema` fetches it."""
    chart = pin("airflow-chart")
    tarball = Path(os.environ.get("AIRFLOW_CHART_TARBALL") or chart.cache_dir / f"airflow-{chart.version}.tgz")
    if not tarball.is_file():
        raise ChartUnreadable(
            f"{tarball}: no chart {chart.version} tarball. Fix: run `make chart-schema`, or set "
            "AIRFLOW_CHART_TARBALL to a copy of it"
        )
    return tarball


@cache
def _chart_member(tarball: Path, member: str) -> str:
    with tarfile.open(tarball) as archive:
        extracted = archive.extractfile(member)
        if extracted is None:
            raise ChartUnreadable(f"{tarball} has no file {member}")
        return extracted.read().decode()


def chart_statsd_values(tarball: Path | None = None) -> dict[str, Any]:
    """The chart's default `statsd:` values (values.yaml)."""
    return yaml.safe_load(_chart_member(tarball or chart_tarball(), CHART_VALUES))["statsd"]


def extra_mappings() -> list[dict[str, Any]]:
    """Our statsd.extraMappings (statsd/extra-mappings.yaml)."""
    return yaml.safe_load(EXTRA_MAPPINGS_FILE.read_text())


def mapping_config(tarball: Path | None = None) -> str:
    """The `mappings.yml` of the chart's airflow-statsd ConfigMap, with our extraMappings: the one function that
    yields the mapping text (the native stack writes it to a file; tests read it)."""
    tarball = tarball or chart_tarball()
    chart_file = TEMPLATE_COMMENT.sub("", _chart_member(tarball, CHART_MAPPINGS))
    if "{{" in chart_file:
        raise ChartUnreadable(
            f"{CHART_MAPPINGS} in {tarball} now has template logic besides comments: render the ConfigMap with "
            "helm instead of reading the file (observability/statsd.py)"
        )
    # toYaml sorts keys and indents nested maps by 2; nindent 6 in a block indented 4 puts the list 2 deep.
    extras = yaml.safe_dump(extra_mappings(), sort_keys=True, default_flow_style=False)
    text = chart_file + "\n" + textwrap.indent(extras, "  ")
    ttl = chart_statsd_values(tarball)["cache"].get("ttl")
    if ttl:
        text += f"defaults:\n  ttl: {ttl}\n"
    return text.removesuffix("\n")  # the ConfigMap's `|-` block strips the last newline


def exporter_binary() -> Path:
    """The statsd_exporter `make statsd-exporter` built into the pin's cache folder."""
    pinned = pin("statsd-exporter")
    binary = pinned.cache_dir / "statsd_exporter"
    if not binary.is_file():
        raise FileNotFoundError(
            f"{binary}: no statsd_exporter {pinned.version}. Fix: `make statsd-exporter` (go install from the Go "
            "module proxy; needs Go)"
        )
    return binary


def exporter_args(mapping_file: Path, tarball: Path | None = None) -> list[str]:
    """statsd_exporter's arguments as the chart's statsd Deployment passes them, with `mapping_file` in place of
    the ConfigMap's mount path."""
    values = chart_statsd_values(tarball)
    args = [f"--statsd.cache-size={values['cache']['size']}", f"--statsd.cache-type={values['cache']['type']}"]
    for arg in values["args"]:
        args.append(arg.replace(CHART_MAPPING_PATH, str(mapping_file)))
    return args
