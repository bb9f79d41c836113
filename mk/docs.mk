##@ Documentation

# In the Pulumi environment: the policy-rules block is rendered from the pack, which needs pulumi-policy.
.PHONY: docs
docs: venv-infra ## Rewrite the generated blocks of docs/ (config reference, policy rules, pins) from the code.
	$(VENV_INFRA)/bin/python -m scripts.docs
