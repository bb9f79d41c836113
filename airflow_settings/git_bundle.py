"""Airflow 3's GitDagBundle as every target that clones DAGs configures it: the `dag_bundle_config_list`
entry and the git connection it clones through. Pure, so the EKS chart values (infra/helm_values.py) and the
native local stack (local_airflow/stack.py) write it once.

    env[...] = json.dumps([git_dag_bundle(tracking_ref="main", subdir="dags")])
    env |= git_connection_env("https://github.com/org/dags.git")
"""

from __future__ import annotations

import json
from typing import Any

from airflow_settings.render import connection_env_name

GIT_BUNDLE_NAME = "git_dags"
GIT_BUNDLE_CLASSPATH = "airflow.providers.git.bundles.git.GitDagBundle"
GIT_BUNDLE_CONN_ID = "git_dags_repo"
"""Connection the bundle clones with. Airflow asks the secrets backend before environment variables, so a
secret of this name under the connections prefix (a private repository's URL and token) overrides the
token-less connection git_connection_env defines."""


def git_dag_bundle(*, tracking_ref: str, subdir: str, **options: Any) -> dict[str, Any]:
    """One `dag_bundle_config_list` entry: the repository of GIT_BUNDLE_CONN_ID at `tracking_ref`, DAGs in
    `subdir`; `options` are further GitDagBundle kwargs (e.g. refresh_interval)."""
    return {
        "name": GIT_BUNDLE_NAME,
        "classpath": GIT_BUNDLE_CLASSPATH,
        "kwargs": {"git_conn_id": GIT_BUNDLE_CONN_ID, "tracking_ref": tracking_ref, "subdir": subdir, **options},
    }


def git_connection_env(repo_url: str) -> dict[str, str]:
    """The bundle's connection as an environment variable: type and URL only, enough for a public (or local)
    repository and carrying no credential."""
    return {connection_env_name(GIT_BUNDLE_CONN_ID): json.dumps({"conn_type": "git", "host": repo_url})}
