"""The runbook commands' command line: backfill, clear, mark, pause, unpause, deploy, trigger, wait.

Each reaches the API at $AIRFLOW_API_URL (or --api-url) as $AIRFLOW_API_USERNAME with $AIRFLOW_API_PASSWORD: the
password is read from the environment only, never from the command line, where `ps` and shell history show it.
"""

from __future__ import annotations

import argparse
import os

from local_airflow.rest_client import AirflowClient
from ops.runbook import REPROCESS_BEHAVIOURS, Runbook, RunbookError, parse_conf, parse_time

DEFAULT_WAIT_TIMEOUT_S = 3600


def runbook(args: argparse.Namespace) -> Runbook:
    username, password = os.environ.get("AIRFLOW_API_USERNAME"), os.environ.get("AIRFLOW_API_PASSWORD")
    if not (args.api_url and username and password):
        raise RunbookError(
            "no API login: set AIRFLOW_API_URL (or --api-url), AIRFLOW_API_USERNAME and AIRFLOW_API_PASSWORD"
        )
    return Runbook(AirflowClient(args.api_url, username, password))


def _backfill(args: argparse.Namespace) -> int:
    start, end = parse_time(args.start, "--from"), parse_time(args.end, "--to")
    book = runbook(args)
    backfill = book.backfill(
        args.dag_id,
        start,
        end,
        max_active_runs=args.max_active_runs,
        reprocess=args.reprocess,
        run_backwards=args.run_backwards,
        conf=parse_conf(args.conf),
        dry_run=args.dry_run,
    )
    if backfill is None or not args.wait:
        return 0
    book.wait_backfill(backfill["id"], args.timeout)
    runs = book.client.runs(
        args.dag_id, run_type="backfill", logical_date_gte=start.isoformat(), logical_date_lte=end.isoformat()
    )
    failed = [run["dag_run_id"] for run in runs if run["state"] != "success"]
    book.say(f"backfill {backfill['id']} complete: {len(runs) - len(failed)} run(s) succeeded, {len(failed)} did not")
    return 1 if failed else 0


def _clear(args: argparse.Namespace) -> int:
    runbook(args).clear_failed(
        args.dag_id,
        run_id=args.run,
        start=parse_time(args.start, "--from") if args.start else None,
        end=parse_time(args.end, "--to") if args.end else None,
        task_ids=args.task,
        downstream=args.downstream,
        dry_run=args.dry_run,
    )
    return 0


def _mark(args: argparse.Namespace) -> int:
    runbook(args).mark(args.dag_id, args.run_id, args.state, task_id=args.task)
    return 0


def _pause(args: argparse.Namespace) -> int:
    runbook(args).set_paused(args.dag_ids, True)
    return 0


def _unpause(args: argparse.Namespace) -> int:
    runbook(args).set_paused(args.dag_ids, False)
    return 0


def _deploy(args: argparse.Namespace) -> int:
    command = args.deploy_command[1:] if args.deploy_command[:1] == ["--"] else args.deploy_command
    runbook(args).deploy(args.dag, command, drain_timeout=args.drain_timeout)
    return 0


def _trigger(args: argparse.Namespace) -> int:
    book = runbook(args)
    run_id = book.trigger(args.dag_id, parse_conf(args.conf))
    if args.wait:
        return 0 if book.wait(args.dag_id, run_id, args.timeout) == "success" else 1
    return 0


def _wait(args: argparse.Namespace) -> int:
    return 0 if runbook(args).wait(args.dag_id, args.run_id, args.timeout) == "success" else 1


def register(commands: argparse._SubParsersAction) -> None:
    api = argparse.ArgumentParser(add_help=False)
    api.add_argument(
        "--api-url", default=os.environ.get("AIRFLOW_API_URL"), help="the API server (default: $AIRFLOW_API_URL)"
    )
    wait = argparse.ArgumentParser(add_help=False)
    wait.add_argument("--timeout", type=float, default=DEFAULT_WAIT_TIMEOUT_S, help="seconds to wait (default 3600)")

    backfill = commands.add_parser(
        "backfill", parents=[api, wait], help="backfill a DAG's schedule between two dates (Airflow 3 backfills)"
    )
    backfill.add_argument("dag_id")
    backfill.add_argument("--from", dest="start", required=True, help="first date, e.g. 2026-11-01")
    backfill.add_argument("--to", dest="end", required=True, help="last date, included")
    backfill.add_argument("--max-active-runs", type=int, default=1, help="runs at a time (default 1)")
    backfill.add_argument(
        "--reprocess",
        choices=REPROCESS_BEHAVIOURS,
        default="none",
        help="dates that already have a run: none (skip them), failed (run failed ones again), completed (all)",
    )
    backfill.add_argument("--run-backwards", action="store_true", help="newest date first")
    backfill.add_argument("--conf", help="run conf, a JSON object")
    backfill.add_argument("--dry-run", action="store_true", help="list the runs it would create, create nothing")
    backfill.add_argument("--wait", action="store_true", help="wait for the backfill; exit 1 if a run failed")
    backfill.set_defaults(handler=_backfill)

    clear = commands.add_parser("clear", parents=[api], help="clear failed task instances so they run again")
    clear.add_argument("dag_id")
    clear.add_argument("--run", help="the run whose failed tasks to clear")
    clear.add_argument("--from", dest="start", help="or: the runs from this date ...")
    clear.add_argument("--to", dest="end", help="... to this one (default: now)")
    clear.add_argument("--task", action="append", default=[], help="only this task (repeatable)")
    clear.add_argument("--downstream", action="store_true", help="also the tasks downstream of --task")
    clear.add_argument("--dry-run", action="store_true", help="list what it would clear, clear nothing")
    clear.set_defaults(handler=_clear)

    mark = commands.add_parser("mark", parents=[api], help="mark a run, or one task instance, success or failed")
    mark.add_argument("dag_id")
    mark.add_argument("run_id")
    mark.add_argument("state", help="success or failed (a task: also skipped)")
    mark.add_argument("--task", help="mark this task instance instead of the run")
    mark.set_defaults(handler=_mark)

    for name, handler, verb in (("pause", _pause, "pause"), ("unpause", _unpause, "unpause")):
        command = commands.add_parser(name, parents=[api], help=f"{verb} DAGs")
        command.add_argument("dag_ids", nargs="+", metavar="dag_id")
        command.set_defaults(handler=handler)

    deploy = commands.add_parser(
        "deploy", parents=[api], help="pause DAGs, run a deploy command, unpause them (left paused if it fails)"
    )
    deploy.add_argument("--dag", action="append", required=True, help="a DAG to pause around it (repeatable)")
    deploy.add_argument(
        "--drain-timeout", type=float, default=0, help="seconds to wait for active runs first (default: don't wait)"
    )
    deploy.add_argument("deploy_command", nargs=argparse.REMAINDER, help="-- then the command, e.g. -- git push")
    deploy.set_defaults(handler=_deploy)

    trigger = commands.add_parser("trigger", parents=[api, wait], help="start a run now, with a conf")
    trigger.add_argument("dag_id")
    trigger.add_argument("--conf", help="run conf, a JSON object")
    trigger.add_argument("--wait", action="store_true", help="wait for the run; exit 1 if it failed")
    trigger.set_defaults(handler=_trigger)

    wait_run = commands.add_parser("wait", parents=[api, wait], help="wait for a run to end; exit 1 if it failed")
    wait_run.add_argument("dag_id")
    wait_run.add_argument("run_id")
    wait_run.set_defaults(handler=_wait)
