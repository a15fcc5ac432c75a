#!/usr/bin/env bash
# Submits SeedStream's jobs to the compose file's session cluster, each once: a job that is already
# running (a second "docker compose up") is left alone. Arguments: the jobs' common arguments.
set -euo pipefail
jobmanager="${JOBMANAGER:-jobmanager:8081}"
for job in localization trainer active-learning; do
  title="seedstream ${job//-/ }"
  if flink list --running -m "$jobmanager" 2>/dev/null | grep -q ": $title (RUNNING)"; then
    echo "submit: $title is running already"
  else
    echo "submit: $title"
    flink run --detached -m "$jobmanager" /opt/flink/usrlib/seedstream-jobs.jar "$job" "$@"
  fi
done
