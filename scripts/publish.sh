#!/usr/bin/env bash
# Publishes the portal for this machine's platform, framework-dependent, with ReadyToRun code (what a deployment runs;
# the bench starts this build). Usage: bash scripts/publish.sh [output folder, default artifacts/portal]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/portal}"
case "$(uname -m)" in
  aarch64|arm64) rid=linux-arm64 ;;
  *) rid=linux-x64 ;;
esac
rid="${PORTAL_RID:-$rid}"
dotnet publish src/Portal/Portal.csproj -c Release -r "$rid" --self-contained false -o "$out" -nologo -v quiet
echo "Published $rid (ReadyToRun) to $out: dotnet $out/Portal.dll"
