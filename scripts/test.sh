#!/usr/bin/env bash
# Runs every test (unit, API, bUnit, Playwright) from a fresh machine with the .NET 10 SDK.
# Installs what is missing first: Debian's Chromium for the browser tests (root, apt).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-chromium.sh

dotnet tool restore >/dev/null
dotnet build Portal.sln -c Release -nologo -v quiet
# One project at a time: the machine has 2 cores and the browser tests want one of them.
dotnet test Portal.sln -c Release --no-build -nologo -m:1 "$@"
