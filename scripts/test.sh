#!/usr/bin/env bash
# Runs every test: native Rust, wasm in Node and headless Chromium, and the
# packed npm package in each mode. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

scripts/setup.sh
echo "== cargo test (native core)"
cargo test -q
cargo test -q -p epay-kernel
echo "== cargo package (both crates publishable)"
cargo package -q --workspace --allow-dirty
echo "== build pkg/"
scripts/build.sh
echo "== wasm tests in Node (wasm-pack test --node)"
"${WASM_PACK_TEST[@]}" --node "${WASM_PACK_TEST_ARGS[@]}"
echo "== wasm tests in headless Chromium, EpayClient against the sandbox (wasm-pack test --headless --chrome)"
scripts/wasm-browser-client.sh
echo "== JS tests (packed package, sandbox, client)"
node --test --test-concurrency=1 tests/js/
