#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: Debian's postgresql, a fresh cluster in a
# temporary folder, listening only on a Unix socket in that folder (no TCP port).
#   source .ci/postgres.sh start   -> exports CLUSTERATLAS_TEST_PG_URL
#   .ci/postgres.sh stop DIR
set -euo pipefail
cmd="${1:-start}"
if [[ "$cmd" == "start" ]]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  dir="$(mktemp -d /tmp/clusteratlas-pg.XXXXXX)"
  run=(); [[ "$(id -u)" == 0 ]] && { chown postgres "$dir"; run=(runuser -u postgres --); }
  "${run[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
  "${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-k $dir -c listen_addresses='' -c max_connections=200 -c fsync=off" start >/dev/null
  "${run[@]}" "$bindir/createdb" -h "$dir" -U postgres clusteratlas_test
  export CLUSTERATLAS_TEST_PG_DIR="$dir"
  export CLUSTERATLAS_TEST_PG_URL="postgresql+psycopg://postgres@/clusteratlas_test?host=$dir"
  echo "PostgreSQL for the tests: $CLUSTERATLAS_TEST_PG_URL"
elif [[ "$cmd" == "stop" ]]; then
  dir="$2"
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  run=(); [[ "$(id -u)" == 0 ]] && run=(runuser -u postgres --)
  "${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  rm -rf "$dir"
fi
