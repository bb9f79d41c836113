##@ Image

# docker when its engine answers, else podman: some machines (CI here) have the docker CLI but no engine.
CONTAINER_ENGINE ?= $(shell if docker info >/dev/null 2>&1; then echo docker; \
	elif command -v podman >/dev/null 2>&1; then echo podman; fi)
# Tag of the image that make image builds and make image-test tests (AIRFLOW_VERSION: see Dependencies).
IMAGE ?= airflow-on-aws:$(AIRFLOW_VERSION)
# A CA bundle for a TLS-inspecting proxy, passed to the build as the secret `extra_ca` (never stored in the image).
IMAGE_EXTRA_CA ?= $(SSL_CERT_FILE)
# Repository URL for the org.opencontainers.image.source label (the GitHub workflow sets it).
SOURCE_URL ?=
# Extra flags for the engine's build, e.g. --no-cache (bench/image.py --cold uses it).
IMAGE_BUILD_ARGS ?=

comma := ,
# podman writes OCI images by default, which drop the Dockerfile's SHELL; docker format keeps it.
IMAGE_BUILD_FLAGS = $(if $(filter podman,$(CONTAINER_ENGINE)),--format docker) \
	$(if $(IMAGE_EXTRA_CA),--secret id=extra_ca$(comma)src=$(IMAGE_EXTRA_CA)) $(IMAGE_BUILD_ARGS)

.PHONY: image
image: ## Build the Airflow image (airflow-on-aws:<AIRFLOW_VERSION>) from uv.lock with docker or podman.
	@if [[ -z "$(CONTAINER_ENGINE)" ]]; then
		echo "make image: needs podman, or docker with a running engine; install one or set CONTAINER_ENGINE" >&2
		exit 1
	fi
	$(CONTAINER_ENGINE) build $(IMAGE_BUILD_FLAGS) -f images/airflow/Dockerfile -t $(IMAGE) \
		--build-arg AIRFLOW_VERSION=$(AIRFLOW_VERSION) --build-arg UV_VERSION=$(UV_VERSION) \
		--build-arg VCS_REF="$$(git rev-parse HEAD 2>/dev/null || true)" \
		--build-arg BUILD_DATE="$$(git log -1 --format=%cI 2>/dev/null || true)" \
		--build-arg SOURCE_URL=$(SOURCE_URL) \
		.

.PHONY: image-push
image-push: pulumi-cli aws-cli ## Push the image to the stack's ECR repository as image.tag, built first when ECR lacks it: make image-push STACK=dev
	uri="$$(pulumi stack output --stack $(STACK) imageUri)"
	repository="$$(pulumi stack output --stack $(STACK) ecrRepositoryUrl)"
	region="$$(pulumi stack output --stack $(STACK) region)"
	if [[ "$${uri%:*}" != "$$repository" ]]; then
		echo "make image-push: image.repository names $${uri%:*}, not this stack's ECR repository: push $(IMAGE) there as $$uri yourself"
		exit 0
	fi
	# ECR tags are immutable: a tag already there is the image the workloads stage pins, and cannot be replaced.
	if aws ecr describe-images --region "$$region" --repository-name "$${repository#*/}" \
		--image-ids imageTag="$${uri##*:}" >/dev/null 2>&1; then
		echo "make image-push: $$uri is already in ECR; nothing to push"
		exit 0
	fi
	$(MAKE) --no-print-directory image
	aws ecr get-login-password --region "$$region" | $(CONTAINER_ENGINE) login --username AWS --password-stdin "$${repository%%/*}"
	$(CONTAINER_ENGINE) tag $(IMAGE) "$$uri"
	$(CONTAINER_ENGINE) push "$$uri"

.PHONY: print-image
print-image: ## Print the tag make image builds.
	@echo $(IMAGE)

.PHONY: image-test
image-test: venv ## Run the testinfra suite (tests/images) against the image; the suite builds it first.
	CONTAINER_ENGINE=$(CONTAINER_ENGINE) IMAGE=$(IMAGE) $(VENV)/bin/pytest -m image tests/images $(PYTEST_ARGS)

.PHONY: image-lint
image-lint: venv | $(UV) ## Lint the Dockerfile with hadolint and checkov (offline; checkov is not in the lock).
	$(VENV)/bin/hadolint --failure-threshold warning images/airflow/Dockerfile
	$(UV) tool run checkov==$(CHECKOV_VERSION) --skip-download --framework dockerfile \
		-f images/airflow/Dockerfile --compact --quiet
