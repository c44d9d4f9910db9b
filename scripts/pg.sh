# A throwaway PostgreSQL cluster on a local port, for the tests. Source it, then call
# start_throwaway_postgres (sets PG_URL) and stop_throwaway_postgres.
PG_PORT="${PG_PORT:-54329}"

_pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
  echo "$dir"
}

# PostgreSQL refuses to run as root: run it as the unprivileged 'postgres' user when we are root.
_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_throwaway_postgres() {
  local bin
  bin="$(_pg_bin)"
  PG_DIR="$(mktemp -d /tmp/casefiles-pg.XXXXXX)"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR"
  _pg_as_owner "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  _pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" start >/dev/null
  _pg_as_owner "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres casefiles_test
  PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/casefiles_test"
  export PG_URL PG_DIR
  echo "PostgreSQL started on 127.0.0.1:$PG_PORT"
}

stop_throwaway_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  _pg_as_owner "$(_pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
