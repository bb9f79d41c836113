##@ Infrastructure (Pulumi: EKS or MWAA)

# Pulumi stack to preview or deploy (Pulumi.<STACK>.yaml): dev, prod or mwaa.
STACK ?= dev
# Lowest pulumi CLI accepted: the pinned SDK's version (pulumi== in pyproject.toml's pulumi group).
PULUMI_MIN_VERSION ?= $(PULUMI_SDK_VERSION)

.PHONY: test-infra
test-infra: venv-infra | chart-schema helm ## Pulumi mock-runtime tests (tests/infra) and chart values tests (tests/helm)
	$(VENV_INFRA)/bin/pytest -m infra tests/infra
	$(VENV_INFRA)/bin/pytest tests/helm

.PHONY: release-test
release-test: venv-infra | chart-schema helm ## Start the prod release's rendered workloads on podman (root) beside stand-ins for AWS, and run a DAG through them (tests/release, about 5 min).
	$(VENV_INFRA)/bin/pytest tests/release $(PYTEST_ARGS)

.PHONY: pulumi-cli
pulumi-cli: ## Check that the pulumi CLI is installed and at least PULUMI_MIN_VERSION
	@command -v pulumi >/dev/null 2>&1 || { echo "The pulumi CLI is not installed: need $(PULUMI_MIN_VERSION) or newer, found none. Get it from https://www.pulumi.com/docs/iac/download-install/"; exit 1; }
	@found="$$(pulumi version | tr -d v)"; \
	if [ "$$(printf '%s\n%s\n' "$(PULUMI_MIN_VERSION)" "$$found" | sort -V | head -n1)" != "$(PULUMI_MIN_VERSION)" ]; then \
	  echo "The pulumi CLI is too old: need $(PULUMI_MIN_VERSION) or newer, found $$found. Upgrade from https://www.pulumi.com/docs/iac/download-install/"; exit 1; fi

.PHONY: aws-cli
aws-cli: ## Check that the AWS CLI is installed (the kubeconfig runs `aws eks get-token`, the push logs in with it)
	@command -v aws >/dev/null 2>&1 || { echo "The AWS CLI is not installed: make deploy needs it for the cluster's kubeconfig (aws eks get-token) and the ECR login. Get version 2 from https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"; exit 1; }

# The workloads stage's Pulumi project (EKS only): its stack of the same name reads this platform stack.
WORKLOADS_DIR ?= workloads
# Extra flags for every `pulumi up` of make deploy, e.g. --yes where nobody answers the prompt (CI).
PULUMI_UP_FLAGS ?=
# eks stacks deploy in two stages with the image pushed between them; mwaa stacks in one.
stack_target = $$(pulumi config get --stack $(STACK) airflow-aws:target)

.PHONY: preview
preview: pulumi-cli venv-infra ## Show what `make deploy` would change, both stages once the platform exists: make preview STACK=dev
	pulumi preview --stack $(STACK) --diff
	if [[ "$(stack_target)" != eks ]]; then exit 0; fi
	if ! pulumi stack output --stack $(STACK) workloads >/dev/null 2>&1; then
		echo "make preview: no preview of the workloads stage yet: stack $(STACK) has no workloads output until its platform stage is deployed (make deploy)"
		exit 0
	fi
	pulumi -C $(WORKLOADS_DIR) stack select --create $(STACK)
	pulumi -C $(WORKLOADS_DIR) preview --stack $(STACK) --diff

.PHONY: deploy
deploy: pulumi-cli venv-infra ## Create or update the stack: platform, then (eks) image push and workloads: make deploy STACK=dev
	pulumi up --stack $(STACK) $(PULUMI_UP_FLAGS)
	if [[ "$(stack_target)" != eks ]]; then exit 0; fi
	$(MAKE) --no-print-directory image-push STACK=$(STACK)
	pulumi -C $(WORKLOADS_DIR) stack select --create $(STACK)
	pulumi -C $(WORKLOADS_DIR) up --stack $(STACK) $(PULUMI_UP_FLAGS)
