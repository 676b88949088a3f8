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
echo "== build pkg/"
scripts/build.sh
echo "== wasm-bindgen-test in Node and headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=60 \
  "${WASM_CARGO[@]}" test --release "${WASM_TARGET[@]}" -Zpanic-abort-tests \
  --test wasm_node --test wasm_browser
echo "== EpayClient in headless Chromium against the sandbox"
scripts/wasm-browser-client.sh
echo "== JS tests (packed package, sandbox, client)"
node --test --test-concurrency=1 tests/js/
