#!/usr/bin/env bash
# Builds the npm package into pkg/: one optimised .wasm, the wasm-bindgen
# glue for browsers/bundlers (ESM) and for Node (CJS), and pkg-template/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# Panic locations name source files: drop the build machine's prefixes
# (the registry's and the std source's) from those shipped in the .wasm.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src/= --remap-path-prefix=/usr/lib/rustlib/src/rust/library/="
# cdylib only for this build, so that LTO stays on (cargo #9672).
"${WASM_CARGO[@]}" rustc -q --lib --crate-type cdylib --release "${WASM_TARGET[@]}"
raw=target/wasm/wasm32-unknown-unknown/release/epay_wasm.wasm

out=target/bindgen
rm -rf "$out"
wasm-bindgen "$raw" --target web --out-dir "$out/web"
wasm-bindgen "$raw" --target nodejs --out-dir "$out/node"
# One .wasm serves both glues; make sure that stays true.
cmp -s "$out/web/epay_wasm_bg.wasm" "$out/node/epay_wasm_bg.wasm" \
  || { echo "build: web and nodejs glue expect different .wasm files" >&2; exit 1; }

# Assemble in a fresh folder, then swap it in, so pkg/ is never half-built.
next=target/pkg-next
rm -rf "$next"
mkdir -p "$next"
cp -R pkg-template/. "$next"/
cp LICENSE "$next"/
# wasm-opt reads the features the module uses from its target_features
# section, then strips it with the producers section. --converge repeats
# -Oz until it stops shrinking (~300 bytes gzipped, ~6 s).
node_modules/.bin/wasm-opt -Oz --converge --strip-producers --strip-target-features "$out/web/epay_wasm_bg.wasm" -o "$next"/epay_wasm_bg.wasm
sed 's/epay_wasm\.d\.ts/epay_wasm.d.mts/' "$out/web/epay_wasm.js" > "$next"/epay_wasm.mjs
cp "$out/web/epay_wasm.d.ts" "$next"/epay_wasm.d.mts
sed 's/epay_wasm\.d\.ts/epay_wasm_node.d.cts/' "$out/node/epay_wasm.js" > "$next"/epay_wasm_node.cjs
cp "$out/node/epay_wasm.d.ts" "$next"/epay_wasm_node.d.cts
# fast.mjs, error.mjs and notify-handler.mjs as CommonJS for index.cjs: one source for both entries.
{ sed 's/^export //' pkg-template/fast.mjs
  echo 'module.exports = { makeFast, LAYOUT };'; } > "$next"/fast.cjs
{ sed 's/^export class EpayError/class EpayError/' pkg-template/error.mjs
  echo 'module.exports = { EpayError };'; } > "$next"/error.cjs
{ sed 's/^export //' pkg-template/notify-handler.mjs
  echo 'module.exports = { makeNotifyHandlers };'; } > "$next"/notify-handler.cjs
rm -rf target/pkg-old
[ -d pkg ] && mv pkg target/pkg-old
mv "$next" pkg
rm -rf target/pkg-old
echo "build: pkg/ ready ($(wc -c < pkg/epay_wasm_bg.wasm) bytes wasm, $(gzip -9c pkg/epay_wasm_bg.wasm | wc -c) gzipped)"
