#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for Guarantor's integration tests.
#
#   bash scripts/postgres.sh start   # install if needed, start, print the URL as the last line
#   bash scripts/postgres.sh stop    # stop it (the cluster folder is kept for a fast restart)
#
# Environment:
#   GUARANTOR_PG_DIR   folder of the cluster, its socket and its log (default /tmp/guarantor-pg)
#   GUARANTOR_PG_PORT  TCP port on 127.0.0.1 (default 55432)
#
# The server trusts loopback connections (tests only: never expose it). It has a superuser
# role `guarantor` (password `guarantor`) and a database `guarantor_test`; the URL printed is
# postgresql+psycopg://guarantor:guarantor@127.0.0.1:PORT/guarantor_test, the value for
# GUARANTOR_TEST_POSTGRES_URL. Both subcommands are idempotent. Run as root (initdb and
# pg_ctl then run as the `postgres` user) or as the user that owns GUARANTOR_PG_DIR.
set -euo pipefail

PG_DIR="${GUARANTOR_PG_DIR:-/tmp/guarantor-pg}"
PG_PORT="${GUARANTOR_PG_PORT:-55432}"
DATA="$PG_DIR/data"
SOCK="$PG_DIR/sock"
LOG="$PG_DIR/postgres.log"
ROLE=guarantor
DATABASE=guarantor_test

say() { echo "postgres.sh: $*" >&2; }

pg_bin() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -z "$found" || ! -x "$found/postgres" ]]; then
    return 1
  fi
  echo "$found"
}

install_postgres() {
  if pg_bin >/dev/null; then
    return 0
  fi
  if [[ "$(id -u)" != 0 ]]; then
    say "PostgreSQL is not installed and installing it needs root: run as root, or apt-get install postgresql"
    exit 1
  fi
  say "installing Debian's postgresql (apt-get)"
  # The tests start their own cluster; Debian's default one is not wanted.
  mkdir -p /etc/postgresql-common
  if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
    echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  pg_bin >/dev/null || { say "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found"; exit 1; }
}

# Run a command as the owner of the cluster: `postgres` when we are root, else ourselves.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    if command -v runuser >/dev/null; then
      runuser -u postgres -- "$@"
    else
      su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

is_running() {
  local bin="$1"
  [[ -f "$DATA/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  install_postgres
  local bin
  bin="$(pg_bin)"
  mkdir -p "$PG_DIR" "$SOCK"
  if [[ "$(id -u)" == 0 ]]; then
    chown postgres:postgres "$PG_DIR" "$SOCK"
  fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    say "creating a cluster in $DATA"
    as_owner "$bin/initdb" -D "$DATA" --auth=trust --username=postgres --encoding=UTF8 \
      --locale=C >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
  fi
  if is_running "$bin"; then
    say "already running ($DATA)"
  else
    say "starting on 127.0.0.1:$PG_PORT (log: $LOG)"
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-p $PG_PORT -k $SOCK -c listen_addresses=127.0.0.1" start >&2 \
      || { say "the server did not start; its log follows"; tail -n 30 "$LOG" >&2 || true; exit 1; }
  fi
  local tries=0
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
    tries=$((tries + 1))
    if ((tries > 60)); then
      say "127.0.0.1:$PG_PORT does not accept connections after 30 s; see $LOG"
      exit 1
    fi
    sleep 0.5
  done
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]]; then
    "${psql[@]}" -c "CREATE ROLE $ROLE LOGIN SUPERUSER PASSWORD '$ROLE'" >&2
  fi
  if [[ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]]; then
    "${psql[@]}" -c "CREATE DATABASE $DATABASE OWNER $ROLE" >&2
  fi
  echo "postgresql+psycopg://$ROLE:$ROLE@127.0.0.1:$PG_PORT/$DATABASE"
}

stop() {
  local bin
  if ! bin="$(pg_bin)"; then
    say "PostgreSQL is not installed: nothing to stop"
    return 0
  fi
  if is_running "$bin"; then
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >&2
  else
    say "not running ($DATA)"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: bash scripts/postgres.sh start|stop" >&2
    echo "  env: GUARANTOR_PG_DIR (default /tmp/guarantor-pg), GUARANTOR_PG_PORT (default 55432)" >&2
    exit 2
    ;;
esac
