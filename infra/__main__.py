"""Pulumi entry point (`main: infra/` in Pulumi.yaml). The program is infra/stack.py `run()`."""

import sys
from pathlib import Path

# Pulumi runs this folder as a script, so only infra/ is on sys.path; the program imports the `infra` package
# and `airflow_settings` from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.stack import run  # noqa: E402

run()
