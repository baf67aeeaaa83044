#!/usr/bin/env bash
# Builds the npm package `envseal` into pkg/ (or the directory given as $1):
#   pkg/wasm/envseal_bg.wasm, pkg/wasm/envseal.js   the release wasm and its wasm-bindgen glue
#   pkg/{package.json,index.js,index.d.ts,README.md} hand-owned, copied from pkg-templates/
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli at the version Cargo.lock pins
# (scripts/setup.sh build installs both). Downloads nothing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
out="${1:-$root/pkg}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
say() { printf '[build-pkg] %s\n' "$*"; }
die() { printf '[build-pkg] error: %s\n' "$*" >&2; exit 1; }

# The CLI must match the wasm-bindgen crate exactly, or the glue and the module disagree.
locked=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
command -v wasm-bindgen >/dev/null || die "wasm-bindgen not found: run scripts/setup.sh build"
installed=$(wasm-bindgen --version | awk '{ print $2 }')
[ "$installed" = "$locked" ] || die "wasm-bindgen CLI is $installed but Cargo.lock pins $locked: run scripts/setup.sh build"

# The package version follows the crate's.
crate_version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
pkg_version=$(node -p 'require("./pkg-templates/package.json").version')
[ "$crate_version" = "$pkg_version" ] ||
  die "pkg-templates/package.json has version $pkg_version but Cargo.toml has $crate_version"

say "cargo build --lib --release --target wasm32-unknown-unknown"
cargo build --lib --release --target wasm32-unknown-unknown

say "wasm-bindgen --target web -> $out/wasm"
rm -rf "$out"
mkdir -p "$out/wasm"
# --omit-default-module-path: index.js alone says where the .wasm is (one URL for bundlers to find).
# --no-typescript: the public types are the hand-written index.d.ts.
# --experimental-reset-state-function: __wbg_reset_state(), and objects that know their instance,
# so runtime.js can re-instantiate the module after a trap.
wasm-bindgen --target web --omit-default-module-path --no-typescript --experimental-reset-state-function \
  --out-dir "$out/wasm" --out-name envseal \
  "$target_dir/wasm32-unknown-unknown/release/envseal.wasm"

grep -q '__wbg_reset_state' "$out/wasm/envseal.js" && grep -q '__wbg_inst' "$out/wasm/envseal.js" ||
  die "the glue has no __wbg_reset_state/__wbg_inst: runtime.js's recovery depends on them"

cp pkg-templates/package.json pkg-templates/*.js pkg-templates/*.d.ts pkg-templates/README.md "$out/"
cp -r pkg-templates/demo-kms "$out/demo-kms"

wasm_bytes=$(wc -c <"$out/wasm/envseal_bg.wasm")
gz_bytes=$(gzip -9 -c "$out/wasm/envseal_bg.wasm" | wc -c)
say "done: $out (envseal_bg.wasm $((wasm_bytes / 1024)) KiB, $((gz_bytes / 1024)) KiB gzipped)"
