#!/usr/bin/env bash
# Playwright's own browser download cannot reach the internet here: use Debian's Chromium.
set -euo pipefail
browser="${PORTAL_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing at $browser and this user cannot install it: run 'apt-get install -y chromium' as root." >&2
  exit 1
fi
echo "Installing Debian's Chromium for the browser tests..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
"$browser" --version
