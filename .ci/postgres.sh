# Starts a throwaway PostgreSQL for the tests and exports
# BOBBIN_TEST_POSTGRES_URL. Sourced by .ci/run; usable by hand too:
#   source .ci/postgres.sh && start_postgres
# It picks a free port, and fails (returns non-zero) rather than export a
# URL that points at nothing or at someone else's server.
start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "== installing PostgreSQL (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  local dir port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((50000 + RANDOM % 10000)))
  dir=$(mktemp -d /tmp/bobbin-pg.XXXXXX)
  local as=""
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    as="runuser -u postgres --"
  fi
  $as "$bin/initdb" -D "$dir/data" -U bobbin --auth=trust -E UTF8 >/dev/null || { echo "initdb failed"; return 1; }
  if ! $as "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null; then
    echo "PostgreSQL did not start:"; cat "$dir/log"; return 1
  fi
  export BOBBIN_TEST_POSTGRES_URL="postgres://bobbin@127.0.0.1:$port/postgres?sslmode=disable"
  echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port"
  trap "$as '$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1 || true; rm -rf '$dir'" EXIT
}
