# Starts a throwaway PostgreSQL for the tests and exports
# BOBBIN_TEST_POSTGRES_URL. Sourced by .ci/run; usable by hand too:
#   source .ci/postgres.sh && start_postgres
start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "== installing PostgreSQL (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  local dir port=55432
  dir=$(mktemp -d /tmp/bobbin-pg.XXXXXX)
  chown postgres: "$dir" 2>/dev/null || true
  local as=""
  if [ "$(id -u)" = 0 ]; then as="runuser -u postgres --"; fi
  $as "$bin/initdb" -D "$dir/data" -U bobbin --auth=trust -E UTF8 >/dev/null
  $as "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  export BOBBIN_TEST_POSTGRES_URL="postgres://bobbin@127.0.0.1:$port/postgres?sslmode=disable"
  echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port"
  trap "$as '$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1 || true; rm -rf '$dir'" EXIT
}
