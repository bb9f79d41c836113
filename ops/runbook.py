"""The runbook commands over Airflow 3's REST API: backfill, clear failed tasks, mark, pause/deploy/unpause, trigger,
wait. Each checks what it was given (the DAG, the run, the tasks, the state, the dates) before its first call that
changes anything, and refuses with RunbookError naming the problem and the fix.
"""

from __future__ import annotations

import difflib
import json
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from local_airflow.processes import wait_for
from local_airflow.rest_client import TERMINAL_RUN_STATES, AirflowAPIError, AirflowClient
from ops.errors import OpsError

REPROCESS_BEHAVIOURS = ("none", "failed", "completed")
"""Airflow's reprocess_behavior: which dates that already have a run a backfill runs again (none: only dates
without a run; failed: also dates whose run failed; completed: every date)."""
RUN_MARK_STATES = ("success", "failed")
TASK_MARK_STATES = ("success", "failed", "skipped")
ACTIVE_RUN_STATES = ("queued", "running")


class RunbookError(OpsError):
    """A runbook command refused its arguments (a DAG, run, task, state or date that is not there)."""


def parse_time(text: str, option: str) -> datetime:
    """A date (YYYY-MM-DD, midnight UTC) or an ISO 8601 time (UTC unless it says otherwise)."""
    try:
        parsed = datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        raise RunbookError(
            f"{option} {text!r} is not a date; fix: use YYYY-MM-DD or an ISO 8601 time such as 2026-11-01T06:00:00Z"
        ) from None
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_conf(text: str | None) -> dict[str, Any]:
    """The run conf: a JSON object, or nothing."""
    if not text:
        return {}
    try:
        conf = json.loads(text)
    except ValueError as err:
        raise RunbookError(
            f'--conf is not JSON ({err}); fix: pass an object such as \'{{"day": "2026-11-01"}}\''
        ) from None
    if not isinstance(conf, dict):
        raise RunbookError(f"--conf must be a JSON object, got {type(conf).__name__}; fix: wrap it in {{...}}")
    return conf


def choice(value: str, allowed: Sequence[str], option: str) -> str:
    if value not in allowed:
        raise RunbookError(f"{option} {value!r} is not one of {', '.join(allowed)}")
    return value


@dataclass
class Runbook:
    """The commands, against one deployment's API. `say` prints a line of the report."""

    client: AirflowClient
    say: Callable[[str], None] = print

    # ---- checks (read only) --------------------------------------------------------------------------------

    def require_dag(self, dag_id: str) -> dict[str, Any]:
        try:
            return self.client.dag(dag_id)
        except AirflowAPIError as err:
            if err.status_code != 404:
                raise
        close = difflib.get_close_matches(dag_id, self.client.dag_ids(), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "list them with GET /api/v2/dags or in the UI"
        raise RunbookError(f"no DAG {dag_id!r} on {self.client.base_url} (or not parsed yet); {hint}")

    def require_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        self.require_dag(dag_id)
        try:
            return self.client.run(dag_id, run_id)
        except AirflowAPIError as err:
            if err.status_code != 404:
                raise
        latest = self.client.get(f"/dags/{dag_id}/dagRuns", order_by="-run_after", limit=5)["dag_runs"]
        recent = [run["dag_run_id"] for run in latest]
        raise RunbookError(f"DAG {dag_id!r} has no run {run_id!r}; its latest runs: {', '.join(recent) or 'none'}")

    def require_tasks(self, dag_id: str, task_ids: Sequence[str]) -> None:
        known = {task["task_id"] for task in self.client.tasks(dag_id)}
        unknown = sorted(set(task_ids) - known)
        if unknown:
            raise RunbookError(
                f"DAG {dag_id!r} has no task {', '.join(unknown)}; its tasks: {', '.join(sorted(known))}"
            )

    # ---- commands ------------------------------------------------------------------------------------------

    def backfill(
        self,
        dag_id: str,
        start: datetime,
        end: datetime,
        *,
        max_active_runs: int = 1,
        reprocess: str = "none",
        run_backwards: bool = False,
        conf: dict[str, Any] | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any] | None:
        """Create an Airflow 3 backfill of the DAG's schedule between the dates (both included); with dry_run, only
        report the runs it would create. Returns the backfill, or None for a dry run."""
        choice(reprocess, REPROCESS_BEHAVIOURS, "--reprocess")
        if max_active_runs < 1:
            raise RunbookError(f"--max-active-runs {max_active_runs} must be 1 or more")
        if start > end:
            raise RunbookError(f"--from {start.isoformat()} is after --to {end.isoformat()}; fix: swap them")
        if not self.require_dag(dag_id).get("is_backfillable", True):
            raise RunbookError(f"DAG {dag_id!r} has no schedule to backfill; fix: trigger runs with `ops trigger`")
        body = {
            "dag_id": dag_id,
            "from_date": start.isoformat(),
            "to_date": end.isoformat(),
            "max_active_runs": max_active_runs,
            "reprocess_behavior": reprocess,
            "run_backwards": run_backwards,
            "dag_run_conf": conf or {},
        }
        planned = self.client.backfill_dry_run(**body)
        dates = ", ".join(str(run.get("logical_date") or run.get("partition_key")) for run in planned)
        self.say(f"{dag_id}: {len(planned)} run(s) to create (reprocess {reprocess}): {dates or 'none'}")
        if dry_run:
            return None
        if not planned:
            raise RunbookError(
                f"nothing to backfill for {dag_id!r} between those dates with reprocess {reprocess!r}; fix: widen "
                "the dates, or pass --reprocess failed/completed to run dates that already have runs again"
            )
        backfill = self.client.create_backfill(**body)
        self.say(f"backfill {backfill['id']} created for {dag_id}, at most {max_active_runs} run(s) at a time")
        return backfill

    def wait_backfill(self, backfill_id: int, timeout: float) -> dict[str, Any]:
        return wait_for(
            lambda: (backfill := self.client.backfill(backfill_id))["completed_at"] and backfill,
            timeout,
            f"backfill {backfill_id} to complete",
            interval=1,
        )

    def clear_failed(
        self,
        dag_id: str,
        *,
        run_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        task_ids: Sequence[str] = (),
        downstream: bool = False,
        dry_run: bool = False,
    ) -> list[dict[str, Any]]:
        """Clear the failed (and upstream-failed) task instances of one run or of the runs between the dates, so
        the scheduler runs them again; `downstream` clears what depends on `task_ids` too."""
        if run_id is None and start is None:
            raise RunbookError("say which runs: --run RUN_ID, or --from (and --to) dates")
        if run_id is not None and start is not None:
            raise RunbookError("--run and --from are exclusive; fix: pass one")
        if downstream and not task_ids:
            raise RunbookError("--downstream needs --task: without one every task of the run is cleared already")
        if run_id is not None:
            self.require_run(dag_id, run_id)
        else:
            self.require_dag(dag_id)
        if task_ids:
            self.require_tasks(dag_id, task_ids)
        body: dict[str, Any] = {"only_failed": True, "include_downstream": downstream, "reset_dag_runs": True}
        if run_id is not None:
            body["dag_run_id"] = run_id
        else:
            body["start_date"] = start.isoformat()
            body["end_date"] = (end or datetime.now(UTC)).isoformat()
        if task_ids:
            body["task_ids"] = list(task_ids)
        cleared = self.client.clear_task_instances(dag_id, dry_run=dry_run, **body)
        verb = "would clear" if dry_run else "cleared"
        self.say(f"{dag_id}: {verb} {len(cleared)} task instance(s)")
        for ti in cleared:
            self.say(f"  {ti['dag_run_id']} {ti['task_id']} (was {ti['state']})")
        return cleared

    def mark(self, dag_id: str, run_id: str, state: str, *, task_id: str | None = None) -> None:
        """Set a run's state, or with task_id one task instance's. Marking a task success or skipped makes Airflow
        clear its failed downstream tasks, which then run (the run is queued again); the task itself never runs."""
        choice(state, TASK_MARK_STATES if task_id else RUN_MARK_STATES, "the state")
        self.require_run(dag_id, run_id)
        if task_id is None:
            self.client.set_run_state(dag_id, run_id, state)
            self.say(f"{dag_id} {run_id}: marked {state}")
            return
        self.require_tasks(dag_id, [task_id])
        changed = self.client.set_task_state(dag_id, run_id, task_id, state)
        self.say(f"{dag_id} {run_id}: marked {state}: {', '.join(ti['task_id'] for ti in changed)}")

    def set_paused(self, dag_ids: Sequence[str], paused: bool) -> list[str]:
        """Pause or unpause each DAG; return those whose state changed."""
        states = {dag_id: self.require_dag(dag_id)["is_paused"] for dag_id in dag_ids}
        changed = [dag_id for dag_id, is_paused in states.items() if is_paused != paused]
        for dag_id in changed:
            self.client.set_paused(dag_id, paused)
        verb = "paused" if paused else "unpaused"
        already = sorted(set(states) - set(changed))
        self.say(f"{verb}: {', '.join(changed) or 'none'}; already {verb}: {', '.join(already) or 'none'}")
        return changed

    def deploy(self, dag_ids: Sequence[str], command: Sequence[str], *, drain_timeout: float = 0) -> None:
        """Pause the DAGs, wait up to drain_timeout for their active runs, run the deploy command, unpause them.

        Only DAGs this call paused are unpaused. If the command fails they stay paused: a half-deployed change
        does not get to run.
        """
        if not command:
            raise RunbookError("no deploy command; fix: put it after --, e.g. -- git push origin main")
        for dag_id in dag_ids:
            self.require_dag(dag_id)
        paused = self.set_paused(dag_ids, True)
        if drain_timeout:
            try:
                wait_for(lambda: not self._active_runs(dag_ids), drain_timeout, "active runs to finish", interval=1)
            except TimeoutError:
                self.set_paused(paused, False)
                raise RunbookError(
                    f"runs still active after {drain_timeout:.0f} s: {', '.join(self._active_runs(dag_ids))}; "
                    "nothing was deployed and the DAGs run again; fix: wait, or raise --drain-timeout"
                ) from None
        self.say(f"deploying: {' '.join(command)}")
        result = subprocess.run(list(command))
        if result.returncode != 0:
            raise RuntimeError(
                f"the deploy command exited with {result.returncode}; {', '.join(paused) or 'no DAG'} left paused: "
                f"unpause with `python -m ops unpause {' '.join(paused)}` once the deployment is right"
            )
        self.set_paused(paused, False)

    def _active_runs(self, dag_ids: Sequence[str]) -> list[str]:
        return [
            f"{dag_id}/{run['dag_run_id']}"
            for dag_id in dag_ids
            for state in ACTIVE_RUN_STATES
            for run in self.client.runs(dag_id, state=state)
        ]

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> str:
        self.require_dag(dag_id)
        run_id = self.client.trigger(dag_id, conf)
        self.say(f"{dag_id}: triggered {run_id}")
        return run_id

    def wait(self, dag_id: str, run_id: str, timeout: float) -> str:
        """Wait for the run to end; its final state (success or failed)."""
        if self.require_run(dag_id, run_id)["state"] not in TERMINAL_RUN_STATES:
            self.say(f"{dag_id} {run_id}: waiting up to {timeout:.0f} s")
        state = self.client.wait_run(dag_id, run_id, timeout=timeout, interval=1)
        self.say(f"{dag_id} {run_id}: {state}")
        return state
