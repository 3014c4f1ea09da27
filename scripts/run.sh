#!/usr/bin/env bash
# Builds Parley if the jar is missing or older than its sources, then runs one complete node on the
# embedded defaults (embedded MongoDB-wire store in ./data, in-process fan-out) on http://localhost:8080.
# Any PARLEY_* environment variable overrides conf/config.json, e.g. PARLEY_HTTP_PORT=9090.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=target/parley.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml package-lock.json src conf webroot -newer "$jar" -type f -print -quit)" ]; then
  echo "building $jar ..."
  mvn -B -q -DskipTests package
fi
exec java -jar "$jar" "$@"
