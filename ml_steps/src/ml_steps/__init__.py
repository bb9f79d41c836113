"""The churn model's pipeline steps as plain functions (features, model) and the CLI each pod runs (__main__)."""
