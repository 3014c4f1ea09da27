#!/usr/bin/env bash
# Builds Parley if the jar is missing or older than its sources, then runs one complete node on the
# embedded defaults (embedded MongoDB-wire store in ./data, in-process fan-out) on http://localhost:8080.
# Any PARLEY_* environment variable overrides conf/config.json, e.g. PARLEY_HTTP_PORT=9090.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/build-if-needed.sh
exec java -jar "$jar" "$@"
