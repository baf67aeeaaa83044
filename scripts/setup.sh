#!/usr/bin/env bash
# Installs what envseal's build, tests and demo need, and only what is missing.
# Idempotent: quick when everything is already there. Pinned versions live here.
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130   # must equal the `wasm-bindgen` pin in Cargo.toml
WASM_PACK_VERSION=0.13.1
GECKODRIVER_VERSION=0.36.0

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

want="${1:-all}"   # all | build | browsers | python | cli-peer | node

say() { printf '[setup] %s\n' "$*"; }

need_root_or_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then
    say "apt-get update"; need_root_or_sudo apt-get update -qq; apt_updated=1
  fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive need_root_or_sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

cargo_tool() { # cargo_tool BIN CRATE VERSION [version-probe-args]
  local bin=$1 crate=$2 version=$3
  local have
  have=$("$bin" --version 2>/dev/null || true)   # not piped into grep -q: SIGPIPE + pipefail
  if [[ $have == *"$version"* ]]; then
    return 0
  fi
  say "cargo install $crate $version (a few minutes, once)"
  # --locked first (reproducible); some lockfiles name versions the registry no longer serves.
  cargo install --quiet --locked "$crate" --version "$version" 2>/dev/null ||
    cargo install --quiet "$crate" --version "$version"
}

setup_build() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || {
    say "rustup target add wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }
  cargo_tool wasm-bindgen wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
}

setup_browsers() {
  apt_install chromium chromium-driver firefox-esr
  cargo_tool wasm-pack wasm-pack "$WASM_PACK_VERSION"
  cargo_tool geckodriver geckodriver "$GECKODRIVER_VERSION"
}

setup_python() {
  # Reinstall when a requirements file changed (the stamp holds their checksum).
  local reqs=(tests/interop/requirements.txt tests/kms/requirements.txt)
  local sum; sum=$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$sum" ]; then
    say "python venv .venv (official aws-encryption-sdk, moto)"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check "${reqs[@]/#/-r}"
    echo "$sum" > .venv/.requirements.sha256
  fi
}

setup_cli_peer() {
  # The official aws-encryption-cli pins aws-encryption-sdk 3.x: a venv of its own, with the raw-key
  # plugin of tests/interop/cli_plugin. Reinstalled when the pins or the plugin change.
  local sum; sum=$(cat tests/interop/cli-requirements.txt tests/interop/cli_plugin/pyproject.toml tests/interop/cli_plugin/envseal_cli_plugin.py | sha256sum | cut -d' ' -f1)
  if [ ! -x .venv-cli/bin/aws-encryption-cli ] || [ "$(cat .venv-cli/.requirements.sha256 2>/dev/null)" != "$sum" ]; then
    say "python venv .venv-cli (official aws-encryption-cli and its raw-key plugin)"
    [ -x .venv-cli/bin/python ] || python3 -m venv .venv-cli
    .venv-cli/bin/pip install --quiet --disable-pip-version-check -r tests/interop/cli-requirements.txt
    .venv-cli/bin/pip install --quiet --disable-pip-version-check --no-deps --force-reinstall ./tests/interop/cli_plugin
    echo "$sum" > .venv-cli/.requirements.sha256
  fi
}

setup_node() {
  if [ ! -d tests/js/node_modules/playwright-core ]; then
    say "npm install (tests/js)"
    (cd tests/js && npm install --no-audit --no-fund --loglevel=error)
  fi
}

case "$want" in
  all) setup_build; setup_browsers; setup_python; setup_cli_peer; setup_node ;;
  build) setup_build ;;
  browsers) setup_browsers ;;
  python) setup_python ;;
  cli-peer) setup_cli_peer ;;
  node) setup_node ;;
  *) echo "usage: $0 [all|build|browsers|python|cli-peer|node]" >&2; exit 2 ;;
esac
