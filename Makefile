# envseal: every command a developer or CI needs. `make help` lists them.
# Each target installs what it is missing first (scripts/setup.sh), so a fresh machine works.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO ?= cargo
PY := .venv/bin/python
CLI := target/release/envseal
INTEROP := target/interop
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: help setup build cli pkg test test-rust test-interop test-kms test-wasm test-js test-e2e demo bench bench-node bench-cli fuzz clean

help:
	@echo "make demo   - set up, build, serve the demo on http://$(HOST):$(PORT)/"
	@echo "make test   - set up and run every test (Rust, vectors, Python interop, wasm, Node)"
	@echo "make pkg    - build the npm package into pkg/"
	@echo "make cli    - build the envseal CLI (target/release/envseal)"
	@echo "make bench  - streaming benchmarks: Node (bench-node), then headless Chromium vs WebCrypto, the AWS client, age, libsodium"
	@echo "make bench-node - Node streaming vs @aws-crypto/client-node and raw node:crypto, 256 MiB and 1 GiB"
	@echo "make bench-cli - CLI throughput on a 1 GiB file (docs/benchmarks.md)"
	@echo "make fuzz   - run each cargo-fuzz target for FUZZ_SECONDS (default 60) each"

setup:
	@scripts/setup.sh all

cli:
	$(CARGO) build --release -p envseal-cli

pkg:
	@scripts/setup.sh build
	scripts/build-pkg.sh

build: cli pkg

# ---- tests -------------------------------------------------------------------------------
test: setup
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-interop
	$(MAKE) --no-print-directory test-kms
	$(MAKE) --no-print-directory test-wasm
	$(MAKE) --no-print-directory test-js
	$(MAKE) --no-print-directory test-e2e

# Core, keyrings, CLI and shared test vectors (cli/tests runs `envseal vectors`).
test-rust:
	$(CARGO) test --workspace

# The official AWS Encryption SDK for Python and the official aws-encryption-cli, both directions.
test-interop: cli
	@scripts/setup.sh python
	rm -rf $(INTEROP) && mkdir -p $(INTEROP)
	@echo "== Python SDK writes, envseal reads"
	$(PY) tests/interop/python_writes.py $(INTEROP)/python-wrote
	$(CLI) vectors $(INTEROP)/python-wrote
	@echo "== envseal writes, Python SDK reads"
	$(PY) tests/interop/envseal_writes.py $(CLI) $(INTEROP)/envseal-wrote
	$(PY) tests/interop/python_reads.py $(INTEROP)/envseal-wrote
	@echo "== envseal rewrap (of envseal's and the Python SDK's messages), then the Python SDK reads them with the new keys only"
	$(PY) tests/interop/rewrap_interop.py $(CLI) $(INTEROP)/rewrap
	@echo "== The official aws-encryption-cli (its own venv, SDK 3.x) and envseal's CLI, both directions"
	@scripts/setup.sh cli-peer
	.venv-cli/bin/python tests/interop/official_cli.py $(CLI) $(INTEROP)/official-cli
	@echo "== SigV4: botocore still signs tests/data/sigv4-botocore.json's requests the same way"
	$(PY) tests/interop/sigv4_botocore.py | diff -u tests/data/sigv4-botocore.json - && echo "sigv4: botocore agrees"

# The KMS keyring against moto (a local KMS-compatible server), natively.
test-kms:
	@scripts/setup.sh python
	scripts/with-moto.sh $(CARGO) test --features moto-tests --test kms_moto

# wasm-bindgen tests of the bindings, in Node, headless Chromium and headless Firefox (ESR).
test-wasm:
	@scripts/setup.sh build && scripts/setup.sh browsers
	wasm-pack test --node -- --test web --test web_kms
	WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web --test web_kms
	WASM_BINDGEN_USE_BROWSER=1 GECKODRIVER=$(HOME)/.cargo/bin/geckodriver MOZ_HEADLESS=1 \
	  wasm-pack test --headless --firefox -- --test web --test web_kms

# node:test suites against the built, installed npm package: Node, pages and Workers in headless
# Chromium (a 1 GiB stream, a Vite build), and streams against the official Python SDK. Under a
# moto server (ENVSEAL_MOTO_URL) for tests/js/kms: KmsKeyring against moto, from Node and Chromium,
# and KMS interop with the official Python SDK.
test-js: pkg
	@scripts/setup.sh node && scripts/setup.sh python
	cd tests/js && npm install --no-audit --no-fund --loglevel=error >/dev/null && ../../scripts/with-moto.sh node --test

# The demo page end to end in headless Chromium (screenshots in target/e2e/) and the demo
# server's object store.
test-e2e: pkg
	@scripts/setup.sh browsers && scripts/setup.sh node
	cd tests/e2e && node --test

# ---- demo --------------------------------------------------------------------------------
demo: setup pkg
	rm -rf www/pkg && cp -r pkg www/pkg
	@echo "envseal demo: http://$(HOST):$(PORT)/  (uploaded ciphertext: target/demo-data/)"
	node scripts/serve.mjs www $(HOST) $(PORT) --data target/demo-data

# ---- benchmarks (not part of `make test`) -------------------------------------------------
bench: bench-node
	scripts/bench.sh $(BENCH_ARGS)

bench-node:
	scripts/bench.sh node $(BENCH_NODE_ARGS)

bench-cli: cli
	scripts/bench-cli.sh

FUZZ_SECONDS ?= 60
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	$(CARGO) clean
	rm -rf pkg www/pkg .venv .venv-cli tests/js/node_modules
