#!/usr/bin/env bash
# Entrypoint of the airflow-on-aws image. It keeps the official apache/airflow image's runtime contract, so the
# official Helm chart and compose files run this image unchanged:
#   <image> bash -c '…' | <image> python …   run that command (after the DB wait below);
#   <image> [airflow] SUBCOMMAND …           run `airflow SUBCOMMAND …` (api-server, scheduler, celery worker, …);
#   CONNECTION_CHECK_MAX_COUNT (default 20)   tries of `airflow db check`, CONNECTION_CHECK_SLEEP_TIME (3 s)
#                                             apart, before any command but `airflow version`; 0 skips the wait;
#   _AIRFLOW_DB_MIGRATE=true                  `airflow db migrate` first (the init service);
#   _AIRFLOW_WWW_USER_CREATE=true             create the UI user _AIRFLOW_WWW_USER_USERNAME (default admin) with
#                                             _AIRFLOW_WWW_USER_PASSWORD or the output of _AIRFLOW_WWW_USER_PASSWORD_CMD
#                                             (FAB: also _ROLE, _FIRSTNAME, _LASTNAME, _EMAIL, as officially).
# dumb-init is PID 1 (see the Dockerfile); this script execs the command, so signals reach Airflow directly.
set -euo pipefail

: "${CONNECTION_CHECK_MAX_COUNT:=20}"
: "${CONNECTION_CHECK_SLEEP_TIME:=3}"

fail() {
    echo "entrypoint: ERROR: $*" >&2
    exit 1
}

wait_for_airflow_db() {
    local attempt
    for ((attempt = 1; attempt <= CONNECTION_CHECK_MAX_COUNT; attempt++)); do
        if airflow db check >/dev/null 2>&1; then
            return 0
        fi
        echo "entrypoint: metadata DB not reachable (attempt ${attempt}/${CONNECTION_CHECK_MAX_COUNT})" >&2
        if ((attempt < CONNECTION_CHECK_MAX_COUNT)); then
            sleep "${CONNECTION_CHECK_SLEEP_TIME}"
        fi
    done
    fail "cannot reach the metadata DB after ${CONNECTION_CHECK_MAX_COUNT} attempts; check" \
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, or raise CONNECTION_CHECK_MAX_COUNT / CONNECTION_CHECK_SLEEP_TIME." \
        "Last error: $(airflow db check 2>&1 | tail -n 1)"
}

# The official image runs `airflow users create`, a command of the FAB auth manager; this image does the same when
# FAB is the configured auth manager (EKS). Under SimpleAuthManager (Airflow's default; `make dev`, compose) users
# are the config list [core] simple_auth_manager_users (name:role) and their passwords a JSON file,
# [core] simple_auth_manager_passwords_file: "creating" a user means writing its password into that file, which
# the api-server must share (a volume). The user must already be in the list, since the init service cannot
# change the other components' config.
create_www_user() {
    local password="" username="${_AIRFLOW_WWW_USER_USERNAME:-admin}" auth_manager
    # As in the official image, the _CMD variant wins over the plain one.
    if [[ -n "${_AIRFLOW_WWW_USER_PASSWORD_CMD:-}" ]]; then
        password="$(eval "${_AIRFLOW_WWW_USER_PASSWORD_CMD}")"
    elif [[ -n "${_AIRFLOW_WWW_USER_PASSWORD:-}" ]]; then
        password="${_AIRFLOW_WWW_USER_PASSWORD}"
    fi
    unset _AIRFLOW_WWW_USER_PASSWORD
    [[ -n "${password}" ]] || fail "_AIRFLOW_WWW_USER_CREATE=true needs _AIRFLOW_WWW_USER_PASSWORD" \
        "or _AIRFLOW_WWW_USER_PASSWORD_CMD."
    auth_manager="$(airflow config get-value core auth_manager)"
    case "${auth_manager}" in
        *.FabAuthManager)
            # Idempotent: an existing user is reported and left as it is.
            # --option=value: a generated password may start with "-", which argparse would take for an option.
            airflow users create --username="${username}" \
                --firstname="${_AIRFLOW_WWW_USER_FIRSTNAME:-Airflow}" \
                --lastname="${_AIRFLOW_WWW_USER_LASTNAME:-Admin}" \
                --email="${_AIRFLOW_WWW_USER_EMAIL:-airflowadmin@example.com}" \
                --role="${_AIRFLOW_WWW_USER_ROLE:-Admin}" \
                --password="${password}"
            ;;
        *.SimpleAuthManager)
            WWW_USER_USERNAME="${username}" WWW_USER_PASSWORD="${password}" python - <<'PYTHON'
import fcntl, json, os, sys

from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

username = os.environ["WWW_USER_USERNAME"]
if username not in {user.username for user in SimpleAuthManager.get_users()}:
    sys.exit(f"entrypoint: ERROR: user {username!r} is not in [core] simple_auth_manager_users; add it on every "
             f"component, e.g. AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS={username}:admin")
path = SimpleAuthManager.get_generated_password_file()
with open(path, "a+") as stream:
    fcntl.flock(stream, fcntl.LOCK_EX)
    stream.seek(0)
    content = stream.read().strip()
    passwords = json.loads(content) if content else {}
    passwords[username] = os.environ["WWW_USER_PASSWORD"]
    stream.seek(0)
    stream.truncate()
    stream.write(json.dumps(passwords) + "\n")
os.chmod(path, 0o660)
print(f"entrypoint: password of UI user {username!r} set in {path}")
PYTHON
            ;;
        *)
            fail "_AIRFLOW_WWW_USER_CREATE supports FabAuthManager and SimpleAuthManager, but [core] auth_manager" \
                "is ${auth_manager}: create users with that auth manager's own CLI."
            ;;
    esac
}

command_name="${1:-}"
if [[ "${command_name}" == "airflow" ]]; then
    command_name="${2:-}"
fi

if [[ "${command_name}" != "version" ]] && ((CONNECTION_CHECK_MAX_COUNT > 0)); then
    wait_for_airflow_db
fi
if [[ "${_AIRFLOW_DB_MIGRATE:-}" == "true" ]]; then
    airflow db migrate
fi
if [[ "${_AIRFLOW_WWW_USER_CREATE:-}" == "true" ]]; then
    create_www_user
fi

case "${1:-}" in
    bash | python)
        exec "$@"
        ;;
    airflow)
        shift
        ;;
esac
exec airflow "$@"
