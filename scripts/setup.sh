#!/usr/bin/env bash
# Installs everything the project needs, idempotently: Debian's Rust for
# wasm32 (std built from source), wasm-ld, Chromium + ChromeDriver,
# wasm-bindgen-cli at the locked version, and the Node packages from the
# committed lock file. A second run with everything present takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# fonts-wqy-microhei: Chinese text in browser screenshots.
debs=(rustc-web cargo-web rust-web-src lld-22 chromium chromium-driver fonts-wqy-microhei)
missing=()
for deb in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q 'ok installed' || missing+=("$deb")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]; then
  echo "setup: installing wasm-bindgen-cli $wb_version (about 2 minutes)"
  # Not --locked: its lock file names a webpki-roots release the registry lacks.
  cargo install -q wasm-bindgen-cli --version "$wb_version"
fi

if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.setup-lock; then
  echo "setup: installing Node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.setup-lock
fi
