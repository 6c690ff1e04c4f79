#!/usr/bin/env bash
# Makes sure the local RabbitMQ and PostgreSQL that the tests use are running
# (starting them if not) and that the test database exists. Idempotent.
set -euo pipefail

wait_for() { # description, seconds, command...
  local what=$1 secs=$2; shift 2
  for _ in $(seq "$secs"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "error: $what did not come up within ${secs}s" >&2
  return 1
}

# RabbitMQ
if ! rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached
fi
wait_for "RabbitMQ" 90 rabbitmq-diagnostics -q check_port_connectivity
# Plugins the project relies on; enabling is idempotent.
rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null

# PostgreSQL
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
fi
wait_for "PostgreSQL" 60 pg_isready -q -h 127.0.0.1 -p 5432

psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_admin -c "select 1 from pg_database where datname = 'test'")" != "1" ]; then
  psql_admin -c "create database test"
fi
# Databases left behind by earlier test runs (tests create t_<uuid> ones).
for db in $(psql_admin -c "select datname from pg_database where datname like 't\_%'"); do
  psql_admin -c "drop database if exists \"$db\"" || true
done
