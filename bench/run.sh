#!/usr/bin/env bash
# Builds Release and runs the benchmark: key check at 1,000 and 1,000,000 stored keys, then inbound webhook ingest
# against a bare Kestrel 202 endpoint and the real Portal receiver, in one run. Ends with a short table (also written
# to bench/.cache/last-summary.md). Extra arguments go to the program, e.g. `bash bench/run.sh --quick`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/.cache

# Also builds src/Portal (a project reference): the ingest part launches its Release Portal.dll.
dotnet build bench/Portal.Bench/Portal.Bench.csproj -c Release -nologo -v quiet

# The published build (ReadyToRun, what a deployment runs): the start goal is measured on it, next to the plain build.
bash scripts/publish.sh bench/.cache/publish > /dev/null

dotnet bench/Portal.Bench/bin/Release/net10.0/Portal.Bench.dll \
  --portal-dll src/Portal/bin/Release/net10.0/Portal.dll --published-dll bench/.cache/publish/Portal.dll "$@" 2>&1 | tee bench/.cache/last-run.txt
