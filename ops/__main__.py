"""`python -m ops <command>`: the platform's day-2 commands.

Exit status: 0 done, 1 failed, 2 refused before any change (the message says why and how to fix it).
"""

from __future__ import annotations

import argparse
import sys

from local_airflow.rest_client import AirflowAPIError
from ops import db_backup, runbook_cli, secrets_transfer, upgrade_rehearsal
from ops.errors import OpsError


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m ops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="command")
    for module in (runbook_cli, db_backup, secrets_transfer, upgrade_rehearsal):
        module.register(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except OpsError as err:
        print(f"ops {args.command}: refused: {err}", file=sys.stderr)
        return 2
    except (AirflowAPIError, RuntimeError, TimeoutError) as err:
        print(f"ops {args.command}: failed: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
