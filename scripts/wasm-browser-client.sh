#!/usr/bin/env bash
# Runs tests/wasm_browser_client.rs: EpayClient in headless Chromium against
# a local epay-sandbox. Starts the sandbox from the built package (pkg/) on a
# free port, hands its URL to the test at compile time (EPAY_SANDBOX_URL),
# checks that the test's requests reached it, and stops it on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

if [ ! -f pkg/bin/epay-sandbox.mjs ] || [ ! -f pkg/epay_wasm_node.cjs ]; then
  echo "wasm-browser-client: pkg/ is not built; run scripts/build.sh first" >&2
  exit 1
fi

log=$(mktemp)
node pkg/bin/epay-sandbox.mjs --port 0 --quiet >"$log" 2>&1 &
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

EPAY_SANDBOX_URL="$url" CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=60 \
  "${WASM_CARGO[@]}" test --release "${WASM_TARGET[@]}" -Zpanic-abort-tests --test wasm_browser_client

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
