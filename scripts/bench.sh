#!/usr/bin/env bash
# The benchmark: epay-wasm against the plain JS a merchant writes instead
# (its MD5 from node:crypto, js-md5, md5 or hash-wasm), in Node and in
# headless Chromium, plus cold start, sizes and issue #9's budgets.
# Installs what is missing, builds pkg/, and writes bench/RESULTS.md
# (bench/README.md: the method). Not part of the test run: timings depend
# on the machine and its load.
#
#   scripts/bench.sh            # ~2 minutes
#   scripts/bench.sh --quick    # fewer, shorter rounds, for a look
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
node bench/run.mjs "$@"
