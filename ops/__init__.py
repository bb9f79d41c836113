"""Day-2 operations of the platform, one command line: `python -m ops --help` (make targets in mk/ops.mk).

- runbook commands over the REST API (runbook.py, runbook_cli.py): backfill, clear, mark, pause, unpause, deploy,
  trigger, wait;
- metadata DB backup and restore with pg_dump / pg_restore (db_backup.py);
- connections and variables between Secrets Manager and Airflow's export files (secrets_transfer.py);
- the upgrade rehearsal from a previous Airflow minor to the pinned one (upgrade_rehearsal.py).

Runbooks: docs/runbooks/.
"""
