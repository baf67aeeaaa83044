#!/usr/bin/env bash
# `make bench`: envseal's encryptStream/decryptStream in headless Chromium against raw WebCrypto
# AES-GCM, SHA-384 in wasm, the AWS browser client, age and libsodium, at 256 MiB and 1 GiB.
# Not part of `make test`. Results: target/bench/browser-<date>.{json,md} and the generated block
# of docs/benchmarks.md ("Browser streaming (Chromium)").
# `scripts/bench.sh node [options]` (`make bench-node`) runs bench/node.mjs instead: Node against
# @aws-crypto/client-node and raw node:crypto (target/bench/node-<date>.*, "Node streaming").
#
# Usage: scripts/bench.sh [bench/run.mjs options]   e.g. --cases envseal,webcrypto --sizes 64
#   (`node bench/run.mjs --list` names the cases; see the header of bench/run.mjs for the rest)
#        scripts/bench.sh node [bench/node.mjs options]   e.g. --cases envseal,aws-same --sizes 64
#
# Builds pkg/ only if it is missing or older than its sources, installs bench/'s npm packages
# (exact versions, bench/package-lock.json, no install scripts, no browser download), and uses
# the system Chromium ($CHROMIUM_PATH, default /usr/bin/chromium). A full run takes 10-20 minutes
# and wants an otherwise idle machine: run.mjs waits for one, and re-takes and flags results
# measured while other processes were busy.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '[bench] %s\n' "$*"; }

target=browser
if [ "${1:-}" = node ]; then target=node; shift; fi

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ "$target" = node ] || [ -x "$chromium" ] || scripts/setup.sh browsers

# The package, unless pkg/ is newer than everything it is built from.
stamp=pkg/wasm/envseal_bg.wasm
if [ ! -f "$stamp" ] || [ ! -f pkg/index.js ] ||
  [ -n "$(find src pkg-templates Cargo.toml Cargo.lock scripts/build-pkg.sh -newer "$stamp" -print -quit)" ]; then
  say "pkg/ is missing or stale: building it"
  scripts/setup.sh build
  scripts/build-pkg.sh
else
  say "pkg/ is up to date"
fi

# bench/'s npm packages, when missing or when the lockfile changed since the last install.
if [ ! -f bench/node_modules/.package-lock.json ] ||
  [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ] ||
  [ bench/package.json -nt bench/node_modules/.package-lock.json ]; then
  say "npm ci (bench/)"
  (cd bench && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# The browser harness (tests/js/browser-harness.mjs) and its playwright-core live in tests/js.
scripts/setup.sh node

say "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
[ "$target" = node ] && exec node bench/node.mjs "$@"
CHROMIUM_PATH="$chromium" exec node bench/run.mjs "$@"
