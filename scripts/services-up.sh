#!/usr/bin/env bash
# Makes sure the local RabbitMQ and PostgreSQL that the tests use are running
# (starting them if not) and that the test database exists. Idempotent.
# Then sweeps what earlier test runs left behind, unless --keep-test-data
# (scripts/run.sh passes it, so starting the store never disturbs tests that
# are running).
set -euo pipefail
keep_test_data=false
[ "${1:-}" = "--keep-test-data" ] && keep_test_data=true

wait_for() { # description, seconds, command...
  local what=$1 secs=$2; shift 2
  for _ in $(seq "$secs"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "error: $what did not come up within ${secs}s" >&2
  return 1
}

# RabbitMQ. Debian's `rabbitmq-server` wrapper starts the node through `su`,
# whose PAM session resets the open-files limit to 1024; the node then caps
# itself at ~900 file handles and, with a few hundred quorum queues (tests
# make many), stops accepting connections. So we start it ourselves with a
# high limit, and restart a running node that has a low one.
rabbit_fd_limit() {
  local pid_file pid
  pid_file=$(compgen -G '/var/lib/rabbitmq/mnesia/rabbit@*.pid' | head -1) || return 1
  pid=$(cat "$pid_file" 2>/dev/null) || return 1
  awk '/Max open files/ {print $4}' "/proc/$pid/limits" 2>/dev/null
}
start_rabbitmq() {
  echo "starting RabbitMQ"
  (
    cd /var/lib/rabbitmq
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    HOME=/var/lib/rabbitmq nohup setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups \
      /usr/lib/rabbitmq/bin/rabbitmq-server >/var/log/rabbitmq/startup_log 2>/var/log/rabbitmq/startup_err &
  )
}
if rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  limit=$(rabbit_fd_limit || echo unknown)
  if [ "$limit" != unknown ] && [ "$limit" -lt 10000 ]; then
    echo "RabbitMQ runs with an open-files limit of $limit; restarting it with a higher one"
    rabbitmqctl -q stop
    start_rabbitmq
  fi
else
  start_rabbitmq
fi
wait_for "RabbitMQ" 90 rabbitmq-diagnostics -q check_port_connectivity
# Plugins the project relies on: the management API (for operators and the
# clean-up below) and the consistent-hash exchange (sharded consumers). A
# plugin enabled on a running node gets its boot steps run only partly (the
# consistent-hash exchange's Mnesia table is missing until the next boot, and
# declaring such an exchange then hangs the node), so after enabling anything
# we restart the RabbitMQ application.
plugins="rabbitmq_management rabbitmq_consistent_hash_exchange"
missing=""
for plugin in $plugins; do
  rabbitmq-plugins is_enabled "$plugin" >/dev/null 2>&1 || missing="$missing $plugin"
done
if [ -n "$missing" ]; then
  echo "enabling RabbitMQ plugins:$missing (and restarting the RabbitMQ app)"
  # shellcheck disable=SC2086
  rabbitmq-plugins enable --quiet $missing >/dev/null
  rabbitmqctl -q stop_app
  rabbitmqctl -q start_app
  wait_for "RabbitMQ" 90 rabbitmq-diagnostics -q check_port_connectivity
fi

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
api="http://guest:guest@127.0.0.1:15672/api"
wait_for "RabbitMQ management API" 60 curl -fsS "$api/overview"
if $keep_test_data; then exit 0; fi

# Databases left behind by earlier test runs (tests create t_<uuid> ones).
for db in $(psql_admin -c "select datname from pg_database where datname like 't\_%'"); do
  psql_admin -c "drop database if exists \"$db\"" || true
done

# Queues and exchanges left behind by earlier test runs: every test names its
# own with a 32-hex-digit unique suffix (store_testkit::unique). Durable
# quorum queues cost the broker memory and processes; drop them.
for kind in queues exchanges; do
  curl -fsS "$api/$kind/%2F?columns=name" \
    | python3 -c 'import json,re,sys,urllib.parse; [print(urllib.parse.quote(x["name"], safe="")) for x in json.load(sys.stdin) if re.search(r"-[0-9a-f]{32}(\.|$)", x["name"])]' \
    | while read -r name; do curl -fsS -X DELETE "$api/$kind/%2F/$name" >/dev/null || true; done
done
