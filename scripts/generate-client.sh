#!/usr/bin/env bash
# Regenerates the typed .NET client (src/Portal.Client) from the live OpenAPI document, with Kiota.
# Run after changing an endpoint; the API tests fail while clients/openapi.json differs from /openapi/v1.json.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet tool restore >/dev/null
dotnet build src/Portal -c Release -nologo -v quiet
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd src/Portal && Portal__DataDirectory="$data" Portal__Bootstrap__AdminPassword="Generate-Client-Passw0rd!" \
  exec dotnet bin/Release/net10.0/Portal.dll --urls "http://127.0.0.1:$port" >"$data/portal.log" 2>&1) &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
# The server URL is the request's own origin: the committed copy names the README's default instead.
curl -sf "http://127.0.0.1:$port/openapi/v1.json" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["servers"]=[{"url":"http://localhost:5000"}]; json.dump(d,sys.stdout,indent=2,ensure_ascii=False); print()' > clients/openapi.json

dotnet kiota generate --openapi clients/openapi.json --language CSharp --class-name PortalApiClient \
  --namespace-name Portal.Client --output src/Portal.Client/Generated --clean-output --exclude-backward-compatible \
  --log-level Warning
rm -f src/Portal.Client/Generated/kiota-lock.json
echo "Regenerated src/Portal.Client from clients/openapi.json"
