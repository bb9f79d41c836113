# Airflow 3 on AWS: run it locally, test it, build its image and deploy it. `make help` lists every target.

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} \
		/^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
		/^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Settings (override on the command line, e.g. `make dev PORT=8081`)

# API server / UI port of `make dev` on 127.0.0.1.
PORT ?= 8080
# Where `make dev` keeps its SQLite metadata DB, logs and generated login (git-ignored).
STATE_DIR ?= .state/dev
# Extra arguments for every pytest run, e.g. PYTEST_ARGS="-x -k spark".
PYTEST_ARGS ?=

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
# One shell per recipe, so a recipe can carry state (an exit status) across its lines.
.ONESHELL:
.DEFAULT_GOAL := help

##@ Dependencies

# The Python that bootstraps uv when it is not installed (needs 3.11 or 3.12).
PYTHON ?= python3
UV_VERSION ?= 0.13.9
TOOLS_DIR ?= .state/tools
UV ?= $(or $(shell command -v uv 2>/dev/null),$(TOOLS_DIR)/uv/bin/uv)
# Python that runs uv (the lock export of the MWAA and image tests, the compose binary's download) finds the
# one this Makefile found or bootstrapped through $UV: the bootstrapped one is not on PATH.
export UV
AIRFLOW_VERSION := $(shell $(PYTHON) airflow_settings/versions.py)
VENV := .venv
VENV_INFRA := .venv-infra
# Tests that import pulumi run in the Pulumi environment; everything else in the Airflow one.
INFRA_TESTS := $(wildcard tests/infra tests/helm tests/policy)

$(TOOLS_DIR)/uv/bin/uv:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or 3.12, or pass PYTHON=..." >&2; exit 1; }
	$(PYTHON) -m venv $(TOOLS_DIR)/uv
	$(TOOLS_DIR)/uv/bin/pip install --quiet uv==$(UV_VERSION)

# The environments run on the interpreter the image runs on, Debian's /usr/bin/python3 (built with PGO and LTO),
# where this Linux machine has a full install of it (python3-minimal lacks most of the standard library) in a
# supported version; elsewhere uv finds one. pyenv's default build has neither optimisation: on it the native
# stack's 200-task fan-out took 7% more CPU. VENV_PYTHON=... or uv's own UV_PYTHON picks another.
ifeq ($(origin VENV_PYTHON)$(UV_PYTHON)$(filter-out Linux,$(shell uname -s)),undefined)
VENV_PYTHON := $(shell /usr/bin/python3 -c 'import ctypes, sqlite3, ssl, sys; print(sys.executable if sys.version_info[:2] in ((3, 11), (3, 12)) else "")' 2>/dev/null)
endif
# Bytecode is compiled at install, as the image does: otherwise, where PYTHONDONTWRITEBYTECODE is set (CI
# images often set it), every Airflow process and every task compiles its imports again (measured on the
# native stack: a no-op task's run took 0.38 s instead of 0.23 s).
UV_SYNC = $(UV) sync --frozen --compile-bytecode $(if $(VENV_PYTHON),--python $(VENV_PYTHON))

# The interpreter choice, rewritten only when it changes: uv replaces an environment built on another one.
VENV_PYTHON_CHOICE := $(TOOLS_DIR)/venv-python
$(VENV_PYTHON_CHOICE): FORCE
	@mkdir -p $(@D)
	@echo '$(VENV_PYTHON)' | cmp -s - $@ || echo '$(VENV_PYTHON)' > $@

.PHONY: FORCE
FORCE:

$(VENV)/.synced: pyproject.toml uv.lock $(VENV_PYTHON_CHOICE) | $(UV)
	$(UV_SYNC)
	@touch $@

$(VENV_INFRA)/.synced: pyproject.toml uv.lock $(VENV_PYTHON_CHOICE) | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV_INFRA) $(UV_SYNC) --no-default-groups --group pulumi --group test
	@touch $@

.PHONY: venv
venv: $(VENV)/.synced ## Create or update the Airflow environment (.venv) from the lock.

.PHONY: venv-infra
venv-infra: $(VENV_INFRA)/.synced ## Create or update the Pulumi environment (.venv-infra) from the lock.

.PHONY: lock
lock: | $(UV) ## Re-resolve uv.lock after editing pyproject.toml.
	$(UV) lock

##@ Development

.PHONY: dev
dev: venv ## Run Airflow on this machine (SQLite, LocalExecutor) with dags/ and plugins/; Ctrl-C stops it.
	$(VENV)/bin/python -m local_airflow.dev --port $(PORT) --state-dir $(STATE_DIR)

include mk/local-stack.mk
include mk/infra.mk
include mk/security.mk
include mk/mwaa.mk
include mk/image.mk

##@ Testing

.PHONY: test
test: venv venv-infra ## Run the linters, then the whole test suite (both environments).
	status=0
	$(MAKE) --no-print-directory lint || status=$$?
	$(VENV)/bin/pytest tests $(addprefix --ignore=,$(INFRA_TESTS)) $(PYTEST_ARGS) || status=$$?
	$(if $(INFRA_TESTS),$(VENV_INFRA)/bin/pytest $(INFRA_TESTS) $(PYTEST_ARGS) || status=$$?)
	exit $$status

.PHONY: lint
lint: venv secrets-scan ## Lint Python (ruff check, ruff format --check) and YAML (yamllint); scan for secrets.
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/yamllint --strict .

.PHONY: clean
clean: ## Remove local state (.state/, logs/) and build outputs; keeps the environments.
	rm -rf .state logs build
