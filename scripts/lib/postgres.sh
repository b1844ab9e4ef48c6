# A throwaway PostgreSQL cluster for the test suite: its own data directory,
# 127.0.0.1 and a free port, removed when the suite ends.
PG_TMP=""
PG_PORT=""

pg_start() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found" >&2; return 1; }
  PG_TMP="$(mktemp -d /tmp/convene-pg.XXXXXX)"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    # The server refuses to run as root: use Debian's postgres account.
    chown postgres: "$PG_TMP"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_TMP/data" -A trust -U postgres -E UTF8 >/dev/null
  for _ in $(seq 1 50); do
    PG_PORT=$(shuf -i 20000-45000 -n 1)
    ss -ltn "( sport = :$PG_PORT )" | grep -q LISTEN || break
  done
  "${as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 30 start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_TMP -c fsync=off -c synchronous_commit=off -c max_connections=200" >/dev/null
  export CONVENE_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  export CONVENE_TEST_PG_BIN="$bin"
  export CONVENE_TEST_PG_DATA="$PG_TMP/data"
  say "PostgreSQL test cluster on 127.0.0.1:$PG_PORT"
}

pg_stop() {
  [ -n "$PG_TMP" ] || return 0
  local bin as=()
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=""
}
