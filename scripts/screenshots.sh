#!/usr/bin/env bash
# Regenerates the README's screenshots: runs the browser suite's screenshot test against the real app (demo data)
# and copies what it captured to docs/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-chromium.sh
dotnet build tests/E2E -c Release -nologo -v quiet
dotnet test tests/E2E -c Release --no-build -nologo --filter "FullyQualifiedName~ScreenshotsE2ETests"
mkdir -p docs/screenshots
cp tests/E2E/TestResults/screenshots/*.png docs/screenshots/
ls -l docs/screenshots
