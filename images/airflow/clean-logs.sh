#!/usr/bin/env bash
# The log groomer of the official image's contract: the chart's logGroomerSidecar runs `bash /clean-logs` beside
# the scheduler, dag-processor and triggerer. Task logs live in S3; this keeps the pod's own log volume from
# filling: every AIRFLOW__LOG_CLEANUP_FREQUENCY_MINUTES (default 15), it deletes the files under
# $AIRFLOW_HOME/logs older than AIRFLOW__LOG_RETENTION_DAYS (default 15) plus AIRFLOW__LOG_RETENTION_MINUTES
# (default 0), then the folders left empty.
set -euo pipefail

: "${AIRFLOW__LOG_RETENTION_DAYS:=15}"
: "${AIRFLOW__LOG_RETENTION_MINUTES:=0}"
: "${AIRFLOW__LOG_CLEANUP_FREQUENCY_MINUTES:=15}"
logs="${AIRFLOW_HOME:-/opt/airflow}/logs"
retention_minutes=$((AIRFLOW__LOG_RETENTION_DAYS * 1440 + AIRFLOW__LOG_RETENTION_MINUTES))

echo "clean-logs: every ${AIRFLOW__LOG_CLEANUP_FREQUENCY_MINUTES} min, deleting logs under ${logs} older than ${retention_minutes} min"
while true; do
    if [[ -d "${logs}" ]]; then
        find "${logs}" -type f -mmin "+${retention_minutes}" -name '*.log*' -delete
        find "${logs}" -mindepth 1 -type d -empty -delete
    fi
    # In the background and waited for, so that SIGTERM (the pod's stop) ends the sleep at once.
    sleep "$((AIRFLOW__LOG_CLEANUP_FREQUENCY_MINUTES * 60))" &
    wait $!
done
