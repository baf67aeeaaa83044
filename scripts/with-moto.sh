#!/usr/bin/env bash
# Runs a command with a moto server (a local KMS-compatible service) on a free loopback port:
#   scripts/with-moto.sh CMD ARGS...    (the command sees ENVSEAL_MOTO_URL=http://127.0.0.1:PORT)
# The server is stopped when the command ends, whatever its outcome.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
moto="$root/.venv/bin/moto_server"
[ -x "$moto" ] || { echo "with-moto: $moto missing: run scripts/setup.sh python" >&2; exit 1; }
port=$("$root/.venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp "${TMPDIR:-/tmp}/envseal-moto.XXXXXX")
"$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  if "$root/.venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || { echo "with-moto: moto exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
export ENVSEAL_MOTO_URL="http://127.0.0.1:$port"
"$@"
