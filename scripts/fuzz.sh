#!/usr/bin/env bash
# Fuzzes the core with libFuzzer (cargo fuzz): the notify parser, the
# sign-string builder, the money parser, the form builder and the pay-link
# builder. The test command runs the equivalent property tests
# (tests/properties.rs); this is the longer run.
#   scripts/fuzz.sh [seconds per target, default 60] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(notify sign_string money form pay_link)
command -v cargo-fuzz >/dev/null || cargo install -q cargo-fuzz
cd fuzz
for target in "${targets[@]}"; do
  echo "== fuzz $target for ${seconds}s"
  # cargo fuzz needs nightly flags (sanitizers); RUSTC_BOOTSTRAP allows them on stable.
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds"
done
