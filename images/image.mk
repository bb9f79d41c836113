##@ Image

# docker when its engine answers, else podman: some machines (CI here) have the docker CLI but no engine.
CONTAINER_ENGINE ?= $(shell if docker info >/dev/null 2>&1; then echo docker; \
	elif command -v podman >/dev/null 2>&1; then echo podman; fi)
# The one Airflow version, read from pyproject.toml by airflow_settings/versions.py. The file runs on its own
# (stdlib only, Python >= 3.11), so no environment needs to exist yet.
AIRFLOW_VERSION ?= $(shell python3 -c \
	'import runpy; print(runpy.run_path("airflow_settings/versions.py")["AIRFLOW_VERSION"])')
# Tag of the image that make image builds and make image-test tests.
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
image: ## Build the Airflow image $(IMAGE) from uv.lock with docker or podman
	@test -n "$(CONTAINER_ENGINE)" || { echo "make image: needs podman or docker with a running engine;" \
		"install one, or set CONTAINER_ENGINE" >&2; exit 1; }
	@test -n "$(AIRFLOW_VERSION)" || { echo "make image: could not read the Airflow version from pyproject.toml" \
		"(airflow_settings/versions.py needs python3 >= 3.11)" >&2; exit 1; }
	$(CONTAINER_ENGINE) build $(IMAGE_BUILD_FLAGS) -f images/airflow/Dockerfile -t $(IMAGE) \
		--build-arg AIRFLOW_VERSION=$(AIRFLOW_VERSION) \
		--build-arg VCS_REF=$$(git rev-parse HEAD 2>/dev/null) \
		--build-arg BUILD_DATE=$$(git log -1 --format=%cI 2>/dev/null) \
		--build-arg SOURCE_URL=$(SOURCE_URL) \
		.

.PHONY: print-image
print-image: ## Print the image tag make image builds
	@echo $(IMAGE)

.PHONY: image-test
image-test: ## Build the image (the suite runs make image), then run the testinfra suite against it
	CONTAINER_ENGINE=$(CONTAINER_ENGINE) IMAGE=$(IMAGE) uv run --frozen pytest -m image tests/images

# checkov is not in the lock (its dependencies would constrain the airflow group); uvx runs it in a throwaway env.
CHECKOV_VERSION ?= 3.3.30

.PHONY: image-lint
image-lint: ## Lint the Dockerfile with hadolint and checkov (offline)
	uv run --frozen hadolint --failure-threshold warning images/airflow/Dockerfile
	uvx checkov==$(CHECKOV_VERSION) --skip-download --framework dockerfile -f images/airflow/Dockerfile \
		--compact --quiet
