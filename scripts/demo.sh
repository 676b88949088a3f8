#!/usr/bin/env bash
# The main job: installs what is missing, builds the package and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec node demo/main.mjs "$@"
