##@ MWAA

# Target of `make deploy-dags`: an MWAA stack (its dagsBucket output names the bucket), or the bucket itself.
STACK ?=
BUCKET ?=
# DAG folder inside the bucket: the environment's dag_s3_path.
PREFIX ?= dags
# DRY_RUN=1 prints what deploy-dags would upload and delete, and changes nothing.
DRY_RUN ?=
# A local copy of the constraints file named in requirements.txt: mwaa-artifacts then fails on any pin it contradicts.
MWAA_CONSTRAINTS ?=
# Where mwaa-artifacts writes; the mwaa stack's mwaa.artifactsDir reads the same folder.
MWAA_BUILD_DIR ?= build/mwaa

# The MWAA tests and `python -m mwaa artifacts` export the lock with the uv this Makefile found or bootstrapped.
export UV

.PHONY: mwaa-artifacts
mwaa-artifacts: venv ## Build requirements.txt, plugins.zip and startup.sh for MWAA into build/mwaa (reproducible).
	$(VENV)/bin/python -m mwaa artifacts --out $(MWAA_BUILD_DIR) $(if $(MWAA_CONSTRAINTS),--constraints $(MWAA_CONSTRAINTS))

.PHONY: deploy-dags
deploy-dags: venv ## Sync dags/ to the MWAA bucket: STACK=<stack> or BUCKET=<bucket>; DRY_RUN=1 only prints.
	$(VENV)/bin/python -m mwaa deploy-dags $(if $(STACK),--stack $(STACK)) $(if $(BUCKET),--bucket $(BUCKET)) --prefix $(PREFIX) $(if $(filter 1,$(DRY_RUN)),--dry-run)
