#!/usr/bin/env bash
# Runs every test (unit, API, bUnit, Playwright) from a fresh machine with the .NET 10 SDK.
# Installs what is missing first: Debian's Chromium for the browser tests and Debian's PostgreSQL server binaries
# for the PostgreSQL pass (root, apt). The tests start and stop their own throwaway PostgreSQL cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-chromium.sh
bash scripts/install-postgres.sh

dotnet tool restore >/dev/null
dotnet build Portal.sln -c Release -nologo -v quiet
status=0
# Pass 1: everything on the embedded default, SQLite (plus the multi-instance suite, which always runs on PostgreSQL).
# One project at a time: the machine has 2 cores and the browser tests want one of them.
dotnet test Portal.sln -c Release --no-build -nologo -m:1 "$@" || status=$?
# Pass 2: the store-backed suite again on PostgreSQL (each test class gets its own database).
PORTAL_TEST_STORE=postgres dotnet test tests/Portal.Tests -c Release --no-build -nologo --filter "Category!=MultiInstance&Category!=SqliteOnly" "$@" || status=$?
exit $status
