
##@ Local Celery stack (docker compose, or native without Docker)

# docker compose v2 CLI, for `make up` and friends.
DOCKER_COMPOSE ?= docker compose
# The git-ignored env file compose reads; `make up` writes the secrets into it on first use.
COMPOSE_ENV_FILE ?= .env
# A personal override, validated with the base file before anything starts.
COMPOSE_OVERRIDE ?= docker-compose.override.yaml

COMPOSE = $(DOCKER_COMPOSE) --env-file $(COMPOSE_ENV_FILE) -f docker-compose.yaml \
	$(if $(wildcard $(COMPOSE_OVERRIDE)),-f $(COMPOSE_OVERRIDE))

.PHONY: compose-file
compose-file: venv ## Regenerate docker-compose.yaml from airflow_settings/ (commit the result)
	$(VENV)/bin/python -m local_airflow.compose

.PHONY: compose-check
compose-check: compose-schema compose-binary venv ## Validate docker-compose.yaml (+ override) offline: compose config -q and the schema
	$(VENV)/bin/python -m local_airflow.compose --check
	$(VENV)/bin/python -m local_airflow.compose_env --env-file $(COMPOSE_ENV_FILE)
	$(VENV)/bin/python -m local_airflow.compose_check --override $(COMPOSE_OVERRIDE) --env-file $(COMPOSE_ENV_FILE)

.PHONY: up
up: compose-check ## Start the compose stack (image from `make image`); prints URL and login when healthy
	@command -v $(firstword $(DOCKER_COMPOSE)) >/dev/null || { echo "make up needs Docker with compose v2 ($(DOCKER_COMPOSE), or set DOCKER_COMPOSE); without it use 'make stack'"; exit 1; }
	mkdir -p dags logs plugins
	$(COMPOSE) up -d --wait
	@$(VENV)/bin/python -m local_airflow.compose_env --env-file $(COMPOSE_ENV_FILE) --print-login

.PHONY: down
down: ## Stop the compose stack (keeps the database volume; add ARGS=-v to drop it)
	$(COMPOSE) down $(ARGS)

.PHONY: logs
logs: ## Follow the compose stack's logs (SERVICE=airflow-scheduler for one)
	$(COMPOSE) logs -f $(SERVICE)

.PHONY: ps
ps: ## Show the compose services and their health
	$(COMPOSE) ps

.PHONY: stack
stack: venv ## The same stack natively (PostgreSQL, Redis, moto, every component) until Ctrl-C; no Docker needed
	$(VENV)/bin/python -m local_airflow.stack

.PHONY: test-stack
test-stack: venv ## e2e and fault tests on the native stack, and the compose tests
	$(VENV)/bin/python -m pytest tests/compose tests/stack

.PHONY: compose-up-test
compose-up-test: venv compose-binary ## make up and make down for real: compose v2 on podman's Docker API, with the images built here
	$(VENV)/bin/python -m pytest tests/compose_up $(PYTEST_ARGS)

.PHONY: bench-stack
bench-stack: venv ## Stock vs tuned settings on the native stack (about 12 min on 2 cores)
	$(VENV)/bin/python -m bench.stack
