#!/usr/bin/env bash
# Runs the cases of issue 14 on SQLite and on PostgreSQL, one after the
# other with the same binaries and flags, and prints both reports:
#
#   cmd/bobbin-bench/engines.sh postgres://user@127.0.0.1:5432/postgres?sslmode=disable [bench flags...]
#
# The URL names a server on which a throwaway database may be created
# (and is dropped afterwards); when the server runs on this machine, the
# PostgreSQL report has a second ratio counting its processes' CPU too.
set -euo pipefail
cd "$(dirname "$0")/../.."
base=${1:?usage: $0 POSTGRES_URL [bench flags...]}
shift
cases=account-key,whoami-jwt,set-read-key,set-create-jwt,set-update-key
tmp=$(mktemp -d /tmp/bobbin-engines.XXXXXX)
db=bobbin_bench_$$
go build -o "$tmp/bobbin" ./cmd/bobbin
go build -o "$tmp/bobbin-bench" ./cmd/bobbin-bench
psql "$base" -qc "CREATE DATABASE $db"
trap 'psql "$base" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
pg=$(printf '%s' "$base" | sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\\1/$db#")
echo "## SQLite"
"$tmp/bobbin-bench" run --bobbin "$tmp/bobbin" --cases "$cases" "$@"
echo
echo "## PostgreSQL"
"$tmp/bobbin-bench" run --bobbin "$tmp/bobbin" --cases "$cases" --db-url "$pg" "$@"
