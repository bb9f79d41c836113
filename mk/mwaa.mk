##@ MWAA

# Target of `make deploy-dags`: BUCKET, the MWAA source bucket, or else the MWAA stack STACK (mk/infra.mk), whose
# dagsS3Uri output names the bucket and the DAG folder.
BUCKET ?=
# DAG folder inside the bucket (the environment's dag_s3_path); empty means the stack's, or dags with BUCKET.
PREFIX ?=
# DRY_RUN=1 prints what deploy-dags would upload and delete, and changes nothing.
DRY_RUN ?=
# A local copy of the constraints file named in requirements.txt: mwaa-artifacts then fails on any pin it contradicts.
MWAA_CONSTRAINTS ?=
# Where mwaa-artifacts writes; the mwaa stack's mwaa.artifactsDir reads the same folder.
MWAA_BUILD_DIR ?= build/mwaa

.PHONY: mwaa-artifacts
mwaa-artifacts: venv ## Build requirements.txt, plugins.zip and startup.sh for MWAA into build/mwaa (reproducible).
	$(VENV)/bin/python -m mwaa artifacts --out $(MWAA_BUILD_DIR) $(if $(MWAA_CONSTRAINTS),--constraints $(MWAA_CONSTRAINTS))

.PHONY: deploy-dags
deploy-dags: venv ## Sync dags/ to the MWAA DAG bucket: STACK=mwaa (or BUCKET=...); DRY_RUN=1 only prints.
	$(VENV)/bin/python -m mwaa deploy-dags $(if $(BUCKET),--bucket $(BUCKET),--stack $(STACK)) $(if $(PREFIX),--prefix $(PREFIX)) $(if $(filter 1,$(DRY_RUN)),--dry-run)
