#!/usr/bin/env bash
# Runs Parley's whole test suite. Needs JDK 17, Maven and Node 20 with npm (the build takes the browser
# libraries from the npm registry). The suite starts its own real dependencies (embedded MongoDB-wire
# server, child JVMs); suites that need system packages (redis-server, nginx, chromium) install them here.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
for tool in java mvn node npm; do
  need "$tool" || { echo "missing prerequisite: $tool (JDK 17, Maven and Node 20 with npm are required)" >&2; exit 1; }
done

exec mvn -B verify "$@"
