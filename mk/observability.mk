##@ Observability (metrics, alert rules, dashboard, the platform page's browser test)

# Go, for statsd_exporter: the chart image's version, from the Go module proxy (go.sum and the checksum database
# verify the module; nothing is downloaded by hand). The one on PATH, else the official tarball's /usr/local/go.
GO ?= $(or $(shell command -v go 2>/dev/null),$(wildcard /usr/local/go/bin/go),go)
# npm, for the browser test's driver (playwright-core, pinned by tests/observability/ui/package-lock.json).
NPM ?= npm
# The browser test's npm packages, installed from the lock into CACHE_DIR (git-ignored) and again when it changes;
# the test finds them there (tests/observability/ui/browser.py).
UI_TEST_PACKAGES := tests/observability/ui
UI_TEST_NODE_DIR := $(CACHE_DIR)/ui-test-node

.PHONY: observability-tools
observability-tools: statsd-exporter ui-test-node ## Build statsd_exporter and install the browser test's driver (once).

.PHONY: statsd-exporter
statsd-exporter: $(STATSD_EXPORTER_DIR)/statsd_exporter ## Build the pinned statsd_exporter with `go install` into CACHE_DIR.

# -X stamps the version `statsd_exporter --version` prints (a plain `go install` leaves it empty).
$(STATSD_EXPORTER_DIR)/statsd_exporter:
	@command -v $(GO) >/dev/null || { echo "make: statsd_exporter $(STATSD_EXPORTER_VERSION) is built with Go, and $(GO) was not found: install Go (https://go.dev/dl/) or set GO=/path/to/go" >&2; exit 1; }
	GOBIN="$(STATSD_EXPORTER_DIR)" $(GO) install -trimpath \
		-ldflags "-s -w -X github.com/prometheus/common/version.Version=$(STATSD_EXPORTER_VERSION)" \
		github.com/prometheus/statsd_exporter@v$(STATSD_EXPORTER_VERSION)

.PHONY: ui-test-node
ui-test-node: $(UI_TEST_NODE_DIR)/node_modules/.installed ## Install the browser test's npm packages from their lock.

$(UI_TEST_NODE_DIR)/node_modules/.installed: $(UI_TEST_PACKAGES)/package.json $(UI_TEST_PACKAGES)/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "make: the platform page's browser test needs npm (Debian: apt-get install npm)" >&2; exit 1; }
	mkdir -p "$(UI_TEST_NODE_DIR)"
	cp $^ "$(UI_TEST_NODE_DIR)/"
	$(NPM) ci --prefix "$(UI_TEST_NODE_DIR)" --no-audit --no-fund --ignore-scripts
	touch $@

.PHONY: stack-observed
stack-observed: venv statsd-exporter chart-schema ## `make stack` with statsd_exporter, pgbouncer, the exporters and Prometheus beside it.
	$(VENV)/bin/python -m local_airflow.stack --observability

.PHONY: observability-files
observability-files: venv ## Regenerate the PrometheusRule and the Grafana dashboard from their sources (commit them).
	$(VENV)/bin/python -m observability

.PHONY: rules-check
rules-check: ## Check the alert rules and run their unit tests with promtool (Debian's prometheus package).
	@command -v promtool >/dev/null || { echo "make: rules-check needs promtool: apt-get install prometheus" >&2; exit 1; }
	promtool check rules observability/prometheus/rules.yaml
	cd observability/prometheus/tests && promtool test rules *.yaml
