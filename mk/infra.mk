##@ Infrastructure (Pulumi: EKS or MWAA)

# Pulumi stack to preview or deploy (Pulumi.<STACK>.yaml): dev, prod or mwaa.
STACK ?= dev
# Lowest pulumi CLI accepted: the pinned SDK's version (pulumi== in pyproject.toml's pulumi group).
PULUMI_MIN_VERSION ?= $(PULUMI_SDK_VERSION)

.PHONY: test-infra
test-infra: venv-infra | chart-schema ## Pulumi mock-runtime tests (tests/infra) and chart values tests (tests/helm)
	$(VENV_INFRA)/bin/pytest -m infra tests/infra
	$(VENV_INFRA)/bin/pytest tests/helm

.PHONY: pulumi-cli
pulumi-cli: ## Check that the pulumi CLI is installed and at least PULUMI_MIN_VERSION
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
