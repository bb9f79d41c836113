"""`python -m dataplatform.teams sync`: the teams' UI roles and pools, from `[platform_teams] roster`."""

from __future__ import annotations

import argparse
import sys

from dataplatform.teams.roster import read_roster
from dataplatform.teams.sync import sync_pools, sync_roles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dataplatform.teams", description=__doc__)
    parser.add_argument("command", choices=["sync"])
    parser.parse_args(argv)
    roster = read_roster()
    sync_roles(roster)
    sync_pools(roster)
    print(f"teams: {len(roster)} role(s) and {sum(len(team.pools) for team in roster.values())} pool(s) in sync")
    return 0


if __name__ == "__main__":
    sys.exit(main())
