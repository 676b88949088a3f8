#!/usr/bin/env bash
# Installs everything the project needs, idempotently: Debian's Rust for
# wasm32 (std built from source), wasm-ld, Chromium + ChromeDriver,
# PostgreSQL, wasm-bindgen-cli at the locked version, wasm-pack, and the Node packages
# from the committed lock file. A second run with everything present takes
# well under a second. docs/toolchain.md says why each piece is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

# fonts-wqy-microhei: Chinese text in browser screenshots; postgresql: the
# demo's multi-instance test runs a real server (tests/js/demo-db*.test.mjs).
debs=(rustc-web cargo-web rust-web-src lld-22 chromium chromium-driver fonts-wqy-microhei postgresql)
missing=()
for deb in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q 'ok installed' || missing+=("$deb")
done
# Runs an apt-get command, waiting (up to 10 minutes) while another install
# holds apt's or dpkg's lock instead of failing at once.
apt_wait() {
  local waited=0 out
  until out=$(DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 "$@" 2>&1); do
    if grep -qE 'Could not get lock|Unable to acquire|Unable to lock' <<<"$out" && [ "$waited" -lt 600 ]; then
      [ "$waited" -eq 0 ] && echo "setup: apt is busy (another install is running); waiting"
      sleep 5
      waited=$((waited + 5))
    else
      echo "$out" >&2
      return 1
    fi
  done
}
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  apt_wait update -qq
  apt_wait install -y -qq "${missing[@]}"
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]; then
  echo "setup: installing wasm-bindgen-cli $wb_version (about 2 minutes)"
  # Not --locked: its lock file names a webpki-roots release the registry lacks.
  cargo install -q wasm-bindgen-cli --version "$wb_version"
fi

# wasm-pack runs the wasm tests (scripts/test.sh) as contributors run them.
wasm_pack_version=0.15.1
if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $wasm_pack_version" ]; then
  echo "setup: installing wasm-pack $wasm_pack_version (about 2 minutes)"
  cargo install -q wasm-pack --version "$wasm_pack_version"
fi

if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.setup-lock; then
  echo "setup: installing Node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.setup-lock
fi
