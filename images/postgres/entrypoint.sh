#!/usr/bin/env bash
# The official postgres image's first start, for the variables the compose file sets: an empty PGDATA gets a
# cluster whose superuser is POSTGRES_USER (password POSTGRES_PASSWORD) and a database POSTGRES_DB.
set -euo pipefail

if [[ ! -s "${PGDATA}/PG_VERSION" ]]; then
    initdb --username="${POSTGRES_USER}" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD}") \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 -D "${PGDATA}"
    echo "host all all all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
    if [[ "${POSTGRES_DB}" != postgres ]]; then
        # On the socket only, so that no client connects before the database exists.
        pg_ctl -D "${PGDATA}" -o "-c listen_addresses=''" -w start
        psql --username="${POSTGRES_USER}" --dbname=postgres -v ON_ERROR_STOP=1 \
            -c "CREATE DATABASE \"${POSTGRES_DB}\" OWNER \"${POSTGRES_USER}\""
        pg_ctl -D "${PGDATA}" -m fast -w stop
    fi
fi
exec postgres -D "${PGDATA}" -c listen_addresses='*' "$@"
