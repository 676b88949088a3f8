#!/usr/bin/env bash
# Runs the wasm tests in headless Chromium (`wasm-pack test --headless
# --chrome`): tests/wasm_browser.rs, and tests/wasm_browser_client.rs, the
# EpayClient against a local epay-sandbox (the workspace package in
# packages/sandbox/). Starts the sandbox on a free port, hands its URL to the
# test at compile time (EPAY_SANDBOX_URL), checks that the test's requests
# reached it, and stops it on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

log=$(mktemp)
node packages/sandbox/bin/epay-sandbox.mjs --port 0 --quiet >"$log" 2>&1 &
sandbox_pid=$!
stop_sandbox() {
  kill "$sandbox_pid" 2>/dev/null || true
  wait "$sandbox_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop_sandbox EXIT

url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^epay-sandbox: gateway at \(http[^ ]*\).*/\1/p' "$log")
  [ -n "$url" ] && break
  if ! kill -0 "$sandbox_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$url" ]; then
  cat "$log" >&2
  echo "wasm-browser-client: the sandbox did not start" >&2
  exit 1
fi
echo "wasm-browser-client: sandbox at $url"

EPAY_SANDBOX_URL="$url" "${WASM_PACK_TEST[@]}" --headless --chrome "${WASM_PACK_TEST_ARGS[@]}"

# The test skips itself without a URL: make sure it really talked to this sandbox.
node --input-type=module - "$url" <<'EOF'
const url = process.argv[2];
const counts = await (await fetch(`${url}_sandbox/requests`)).json();
const missing = ['api.php?act=query', 'mapi.php', 'api.php?act=order', 'api.php?act=orders', 'api.php?act=settle'].filter((e) => !(counts[e] >= 1));
if (missing.length) {
  console.error(`wasm-browser-client: the browser test did not reach the sandbox (${missing.join(', ')}): ${JSON.stringify(counts)}`);
  process.exit(1);
}
console.log(`wasm-browser-client: sandbox saw ${JSON.stringify(counts)}`);
EOF
