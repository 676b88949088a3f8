#!/usr/bin/env bash
# A bigger load run than the one in the test command: the sandbox gateway
# and the demo merchant server in one Node process on loopback, ORDERS
# orders (default 20000) created through the merchant's checkout API, paid
# through the sandbox's control API, every notify verified, acknowledged
# and fulfilled exactly once, then REPLAYS delivered notifies sent again
# (acknowledged, not fulfilled twice). Prints the counts, throughput and
# latencies; fails rather than hangs (DEADLINE_MS, default 60 s + 40 ms an
# order: the merchant's orders are in its embedded database). The test itself: tests/js/load.test.mjs.
#
#   scripts/load.sh                                 # 20 000 orders, 64 in flight
#   ORDERS=50000 CONCURRENCY=100 scripts/load.sh
#   BURST=1 ORDERS=5000 scripts/load.sh             # pay all without waiting
#
# BURST=1 bounds only the pay calls, not the notifies they start: past a
# few thousand orders on a 2-core machine notifies wait longer than the
# sandbox's 5 s notify timeout, are retried and reach the merchant twice.
# Each order is still fulfilled once, but the run fails its "one notify
# attempt per order" check and shows the attempts' outcomes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

scripts/build.sh
orders="${ORDERS:-20000}"
export LOAD_ORDERS="$orders" LOAD_CONCURRENCY="${CONCURRENCY:-64}" LOAD_REPLAYS="${REPLAYS:-100}" \
  LOAD_DEADLINE_MS="${DEADLINE_MS:-$((60000 + orders * 40))}" LOAD_BURST="${BURST:-0}"
exec node --test --test-reporter=spec tests/js/load.test.mjs
