#!/usr/bin/env bash
# Runs Parley's whole test suite. Needs JDK 17, Maven and Node 20 with npm (the build takes the browser
# libraries from the npm registry). Installs the system packages the suite runs for real when missing
# (apt-get, as root); the suite starts its own servers (embedded MongoDB-wire, redis-server, clamd, child JVMs).
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
for tool in java mvn node npm; do
  need "$tool" || { echo "missing prerequisite: $tool (JDK 17, Maven and Node 20 with npm are required)" >&2; exit 1; }
done

# System packages the suite runs for real: redis-server (fan-out between nodes), nginx (in front of
# the cluster tests and to check the shipped nginx configs), chromium (the web page in a real browser),
# clamav-daemon (clamd, scanning attachments). The tests run clamd with their own config, port and a
# signature they write (no download); the clamd and freshclam services the Debian packages may start
# are not used (the system clamd does not start without the official signatures anyway).
missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/clamd ] || missing+=(clamav-daemon)
# Emoji in the browser tests' screenshots (reactions), as on any desktop.
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! need apt-get; then
    echo "missing: ${missing[*]} — install it (Debian: apt-get install -y ${missing[*]}) and run again" >&2
    exit 1
  fi
  echo "installing ${missing[*]} ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The client library (client/): its own lockfile and unit tests (Node's test runner); a failure stops the run.
(cd client && npm ci --no-audit --no-fund && npm test)
# The browser tests' driver (playwright-core, which never downloads a browser: the suite runs Debian's
# /usr/bin/chromium) and axe-core, from their own lockfile.
(cd src/test/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)

exec mvn -B verify "$@"
