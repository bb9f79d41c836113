##@ Security (policy pack, secrets scan, Fernet key rotation, checkov)

# Secrets Manager secret holding the Fernet key, e.g. airflow-prod/fernet-key (`make rotate-fernet-key`).
FERNET_SECRET_ID ?=
# Where `make rotate-fernet-key` runs `airflow rotate-fernet-key`: namespace/kind/name for kubectl exec,
# or empty to run the local `airflow` CLI (which must reach the metadata DB).
FERNET_KUBECTL_TARGET ?= airflow/deploy/airflow-scheduler
# Set to 1 for the second run on EKS, once the pods hold new,old (the first run prints how).
FERNET_RESUME ?=

.PHONY: policy
policy: pulumi-cli ## Preview a stack under the policy pack (needs the pulumi CLI): make policy STACK=prod
	pulumi preview --stack $(STACK) --policy-pack policy

.PHONY: secrets-scan
secrets-scan: venv ## Fail on any secret in tracked files that .secrets.baseline doesn't list (detect-secrets)
	git ls-files -z | xargs -0 $(VENV)/bin/detect-secrets-hook --baseline .secrets.baseline

.PHONY: secrets-baseline
secrets-baseline: venv ## Rewrite .secrets.baseline after reviewing new findings (or allowlist them inline)
	$(VENV)/bin/detect-secrets scan --baseline .secrets.baseline

.PHONY: checkov
checkov: venv | $(UV) ## checkov (the pinned version, offline) over the Dockerfile and shipped Kubernetes manifests
	$(VENV)/bin/pytest tests/security/test_checkov.py $(PYTEST_ARGS)

.PHONY: rotate-fernet-key
rotate-fernet-key: venv ## Rotate the Fernet key (new,old period): make rotate-fernet-key FERNET_SECRET_ID=airflow-prod/fernet-key
	@test -n "$(FERNET_SECRET_ID)" || { echo "Set FERNET_SECRET_ID to the Secrets Manager secret of the Fernet key, e.g. FERNET_SECRET_ID=airflow-prod/fernet-key" >&2; exit 1; }
	$(VENV)/bin/python scripts/rotate-fernet-key --secret-id "$(FERNET_SECRET_ID)" \
		$(if $(FERNET_KUBECTL_TARGET),--kubectl-target "$(FERNET_KUBECTL_TARGET)") $(if $(FERNET_RESUME),--resume)
