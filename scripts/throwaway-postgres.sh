#!/usr/bin/env bash
# A throwaway PostgreSQL server for benchmarks and local experiments (the tests start their own):
#   scripts/throwaway-postgres.sh start DIR   # initdb + start on a Unix socket in DIR; prints the storage.url
#   scripts/throwaway-postgres.sh stop DIR
# Needs the PostgreSQL server binaries (Debian: apt-get install postgresql). Run as root, the
# server runs as the postgres user (initdb refuses root). fsync is off: never for real data.
set -euo pipefail
cmd=${1:?start|stop}
dir=$(realpath -m "${2:?DIR}")
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "no PostgreSQL server binaries: apt-get install postgresql" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then su -s /bin/sh postgres -c "$1"; else sh -c "$1"; fi; }
case $cmd in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -d "$dir/data" ]; then
    as_pg "$bin/initdb -D '$dir/data' -U linkx --auth=trust -E UTF8 --locale=C --no-sync >'$dir/initdb.log'"
  fi
  as_pg "$bin/pg_ctl -D '$dir/data' -l '$dir/server.log' -w -o \"-k '$dir' -c listen_addresses= -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB\" start" >/dev/null
  as_pg "$bin/psql -h '$dir' -U linkx -d postgres -qc 'CREATE DATABASE linkx'" 2>/dev/null || true
  echo "postgres://linkx@localhost/linkx?host=$dir"
  ;;
stop)
  as_pg "$bin/pg_ctl -D '$dir/data' -m fast stop" >/dev/null
  ;;
*) echo "start|stop" >&2; exit 2 ;;
esac
