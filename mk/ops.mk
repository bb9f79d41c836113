##@ Day-2 operations (python -m ops; runbooks in docs/runbooks/)

# The API the runbook targets call (default: `make dev`'s); the login comes from AIRFLOW_API_USERNAME and
# AIRFLOW_API_PASSWORD in the environment, never from the command line.
AIRFLOW_API_URL ?= http://127.0.0.1:$(PORT)
# The DAG, run and dates of a runbook target, e.g. make backfill DAG=ingest_orders START=2026-11-01 END=2026-11-07.
DAG ?=
RUN ?=
START ?=
END ?=
# The deploy command `make deploy-paused` runs while DAG is paused, e.g. DEPLOY="git push origin main".
DEPLOY ?=
# Run conf for `make trigger`, a JSON object.
CONF ?=
# The state `make mark` sets: success or failed.
STATE ?=
# Extra options for any ops target, e.g. OPS_ARGS="--dry-run" or OPS_ARGS="--task check --downstream".
OPS_ARGS ?=
# The dump `make db-backup` writes and `make db-restore` reads; the database is $AIRFLOW__DATABASE__SQL_ALCHEMY_CONN.
BACKUP_FILE ?= build/airflow-metadata.dump
# CLEAN=1: `make db-restore` drops what the dump replaces instead of refusing a non-empty database.
CLEAN ?=
# The Airflow 3 release `make upgrade-rehearsal` migrates from; empty means the previous minor (ops/upgrade_rehearsal.py).
FROM ?=
# actionlint, which checks the workflows: built with `go install` at its pin (ACTIONLINT_VERSION, pyproject.toml).
ACTIONLINT := $(ACTIONLINT_DIR)/actionlint
# The workflow files `make actionlint` checks.
ACTIONLINT_FILES ?= $(wildcard .github/workflows/*.yml)

OPS = $(VENV)/bin/python -m ops
RUNBOOK = $(OPS) $(1) --api-url $(AIRFLOW_API_URL)

.PHONY: backfill
backfill: venv ## Backfill DAG from START to END (Airflow 3 backfill; OPS_ARGS="--reprocess failed --max-active-runs 2 --wait").
	$(call RUNBOOK,backfill) $(DAG) --from $(START) --to $(END) $(OPS_ARGS)

.PHONY: clear-failed
clear-failed: venv ## Clear the failed tasks of DAG's run RUN (or START..END) so they run again; OPS_ARGS="--task t --downstream".
	$(call RUNBOOK,clear) $(DAG) $(if $(RUN),--run $(RUN)) $(if $(START),--from $(START)) $(if $(END),--to $(END)) $(OPS_ARGS)

.PHONY: mark
mark: venv ## Mark DAG's run RUN as STATE (success or failed); OPS_ARGS="--task t" marks one task instance.
	$(call RUNBOOK,mark) $(DAG) $(RUN) $(STATE) $(OPS_ARGS)

.PHONY: pause
pause: venv ## Pause DAG (several: DAG="a b").
	$(call RUNBOOK,pause) $(DAG)

.PHONY: unpause
unpause: venv ## Unpause DAG (several: DAG="a b").
	$(call RUNBOOK,unpause) $(DAG)

.PHONY: deploy-paused
deploy-paused: venv ## Pause DAG, run DEPLOY, unpause DAG (left paused if DEPLOY fails); OPS_ARGS="--drain-timeout 600".
	$(call RUNBOOK,deploy) $(foreach dag,$(DAG),--dag $(dag)) $(OPS_ARGS) -- $(DEPLOY)

.PHONY: trigger
trigger: venv ## Trigger DAG now with CONF (a JSON object); OPS_ARGS="--wait" waits for the run.
	$(call RUNBOOK,trigger) $(DAG) $(if $(CONF),--conf '$(CONF)') $(OPS_ARGS)

.PHONY: wait-run
wait-run: venv ## Wait for DAG's run RUN to end; fails if the run failed.
	$(call RUNBOOK,wait) $(DAG) $(RUN) $(OPS_ARGS)

.PHONY: db-backup
db-backup: venv ## pg_dump the metadata DB (AIRFLOW__DATABASE__SQL_ALCHEMY_CONN in the environment) into BACKUP_FILE, mode 0600.
	@mkdir -p $(dir $(BACKUP_FILE))
	$(OPS) db-backup --file $(BACKUP_FILE) $(OPS_ARGS)

.PHONY: db-restore
db-restore: venv ## pg_restore BACKUP_FILE into an empty metadata DB (AIRFLOW__DATABASE__SQL_ALCHEMY_CONN); CLEAN=1 over one.
	$(OPS) db-restore --file $(BACKUP_FILE) $(if $(filter 1,$(CLEAN)),--clean) $(OPS_ARGS)

.PHONY: upgrade-rehearsal
upgrade-rehearsal: venv ## Migrate Airflow FROM's metadata DB to the pinned Airflow on a throwaway PostgreSQL, and check it.
	$(OPS) upgrade-rehearsal $(if $(FROM),--from $(FROM)) $(OPS_ARGS)

.PHONY: dag-gates
dag-gates: venv ## Run the DAG gates over dags/ with the local connections (what a DAG repository's CI runs).
	$(VENV)/bin/python -m dag_gates dags --plugins plugins --lookups local_airflow/connections.yaml

$(ACTIONLINT):
	@command -v go >/dev/null || { echo "actionlint is built with Go: install Go 1.22 or newer (https://go.dev/dl/)" >&2; exit 1; }
	GOBIN=$(@D) go install github.com/rhysd/actionlint/cmd/actionlint@v$(ACTIONLINT_VERSION)

.PHONY: actionlint
actionlint: $(ACTIONLINT) venv ## Check the GitHub workflows with actionlint (shell steps through shellcheck).
	$(ACTIONLINT) -shellcheck $(VENV)/bin/shellcheck $(ACTIONLINT_FILES)
