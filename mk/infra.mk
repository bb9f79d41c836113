##@ Infrastructure (Pulumi: EKS or MWAA)

# Pulumi stack to preview or deploy (Pulumi.<STACK>.yaml): dev, prod or mwaa.
STACK ?= dev
# Official chart release whose values schema the Helm tests validate against.
AIRFLOW_CHART_VERSION ?= 1.22.0
AIRFLOW_CHART_SHA256 ?= 1f7d1dfe3d58e2c54899950aba907a43625a18c8b6fb3c54760c21592129a5b6
# Where `make chart-schema` puts values.yaml + values.schema.json; tests read AIRFLOW_CHART_SCHEMA_DIR.
AIRFLOW_CHART_SCHEMA_DIR ?= $(CURDIR)/.cache/airflow-chart/$(AIRFLOW_CHART_VERSION)
export AIRFLOW_CHART_SCHEMA_DIR
# Lowest Pulumi CLI the pinned SDK (pulumi==3.272.0 in pyproject.toml) is tested with.
PULUMI_MIN_VERSION ?= 3.272.0

.PHONY: chart-schema
chart-schema: ## Fetch the official chart's values.yaml and values.schema.json (needs internet)
	@mkdir -p "$(AIRFLOW_CHART_SCHEMA_DIR)"
	@tarball="$$(mktemp)"; trap 'rm -f "$$tarball"' EXIT; \
	curl -fsSL -o "$$tarball" "https://downloads.apache.org/airflow/helm-chart/$(AIRFLOW_CHART_VERSION)/airflow-$(AIRFLOW_CHART_VERSION).tgz"; \
	echo "$(AIRFLOW_CHART_SHA256)  $$tarball" | sha256sum --check --quiet; \
	tar -xzf "$$tarball" -C "$(AIRFLOW_CHART_SCHEMA_DIR)" --strip-components=1 airflow/values.yaml airflow/values.schema.json
	@echo "chart $(AIRFLOW_CHART_VERSION) schema in $(AIRFLOW_CHART_SCHEMA_DIR); tests read AIRFLOW_CHART_SCHEMA_DIR=$(AIRFLOW_CHART_SCHEMA_DIR)"

.PHONY: test-infra
test-infra: venv-infra ## Pulumi mock-runtime tests (tests/infra) and chart values tests (tests/helm)
	AIRFLOW_CHART_SCHEMA_DIR="$(AIRFLOW_CHART_SCHEMA_DIR)" $(VENV_INFRA)/bin/pytest -m infra tests/infra
	AIRFLOW_CHART_SCHEMA_DIR="$(AIRFLOW_CHART_SCHEMA_DIR)" $(VENV_INFRA)/bin/pytest tests/helm

.PHONY: pulumi-cli
pulumi-cli:
	@command -v pulumi >/dev/null 2>&1 || { echo "The pulumi CLI is not installed: need $(PULUMI_MIN_VERSION) or newer, found none. Get it from https://www.pulumi.com/docs/iac/download-install/"; exit 1; }
	@found="$$(pulumi version | tr -d v)"; \
	if [ "$$(printf '%s\n%s\n' "$(PULUMI_MIN_VERSION)" "$$found" | sort -V | head -n1)" != "$(PULUMI_MIN_VERSION)" ]; then \
	  echo "The pulumi CLI is too old: need $(PULUMI_MIN_VERSION) or newer, found $$found. Upgrade from https://www.pulumi.com/docs/iac/download-install/"; exit 1; fi

.PHONY: preview
preview: pulumi-cli venv-infra ## Show what `make deploy` would change: make preview STACK=dev
	pulumi preview --stack $(STACK) --diff

.PHONY: deploy
deploy: pulumi-cli venv-infra ## Create or update the stack's AWS resources: make deploy STACK=dev
	pulumi up --stack $(STACK)
