"""Pulumi entry point of the workloads stage (workloads/Pulumi.yaml). All the work is in infra/workloads.py."""

import sys
from pathlib import Path

# Pulumi runs this folder as a script, so only workloads/ is on sys.path; the program imports the `infra`
# package and `airflow_settings` from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.workloads import run  # noqa: E402

run()
