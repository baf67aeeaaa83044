#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (default 60 s each): `scripts/fuzz.sh [SECONDS] [TARGET...]`.
# Needs the nightly toolchain; installs cargo-fuzz if missing. Seeds come from the shared vectors
# plus messages written for the fuzz key. Crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="$HOME/.cargo/bin:$PATH"
seconds=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(header_parse stream_decrypt edk_unwrap vector_manifest decrypt_range)
vectors=${ENVSEAL_VECTORS_DIR:-../../shared/esdk-vectors}

command -v cargo-fuzz >/dev/null || cargo install --quiet cargo-fuzz
cargo +nightly build --quiet --release --bin make_seeds
./target/release/make_seeds "$vectors" corpus
for t in "${targets[@]}"; do
  echo "== $t for ${seconds}s"
  cargo +nightly fuzz run "$t" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 |
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|DONE|ERROR|panicked|SUMMARY' || true
  if ls "artifacts/$t"/crash-* >/dev/null 2>&1; then
    echo "$t: CRASH, see fuzz/artifacts/$t" >&2; exit 1
  fi
done
