#!/usr/bin/env bash
# CLI throughput: encrypt and decrypt a 1 GiB file with suites 0x0478 and 0x0578.
# Usage: scripts/bench-cli.sh [SIZE_MIB] [FRAME_LENGTH]   (defaults 1024, the CLI's default frame)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/envseal
size_mib=${1:-1024}
frame=${2:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/envseal-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A 32-byte raw AES key in the test-vector keys format.
cat > "$work/keys.json" <<'JSON'
{"manifest": {"type": "keys", "version": 3},
 "keys": {"bench": {"type": "symmetric", "algorithm": "aes", "bits": 256, "encoding": "base64",
   "material": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "key-id": "bench", "encrypt": true, "decrypt": true}}}
JSON
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/plain"
bytes=$(stat -c %s "$work/plain")
frame_args=()
[ -n "$frame" ] && frame_args=(--frame-length "$frame")

measure() { # measure LABEL CMD... -> prints MB/s and peak RSS
  local label=$1; shift
  local t0 t1 rss
  t0=$(date +%s.%N)
  rss=$( { /usr/bin/time -f '%M' "$@" >/dev/null; } 2>&1 | tail -1 )  # stdout of the command -> /dev/null
  t1=$(date +%s.%N)
  awk -v l="$label" -v b="$bytes" -v t0="$t0" -v t1="$t1" -v rss="$rss" \
    'BEGIN { s = t1 - t0; printf "%-26s %8.1f MB/s  %6.2f s  peak RSS %6.1f MiB\n", l, b / s / 1e6, s, rss / 1024 }'
}

echo "input: $size_mib MiB, frame length ${frame:-default}, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# "-> null" writes to stdout redirected to /dev/null (the CLI's own cost); "-> file" includes
# writing the output file to disk.
for suite in 0x0478 0x0578; do
  enc=("$bin" encrypt --keys "$work/keys.json" --key bench --suite "$suite" "${frame_args[@]}")
  dec=("$bin" decrypt --keys "$work/keys.json" --key bench)
  measure "encrypt $suite -> null" "${enc[@]}" "$work/plain" -
  measure "encrypt $suite -> file" "${enc[@]}" "$work/plain" "$work/msg"
  measure "decrypt $suite -> null" "${dec[@]}" "$work/msg" -
  measure "decrypt $suite -> file" "${dec[@]}" "$work/msg" "$work/out"
  cmp -s "$work/plain" "$work/out" || { echo "round trip mismatch for $suite" >&2; exit 1; }
  rm -f "$work/msg" "$work/out"
done
