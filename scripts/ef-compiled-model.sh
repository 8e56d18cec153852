#!/usr/bin/env bash
# Regenerates the SQLite compiled model (src/Portal.Core/Data/CompiledModel) after a model change, next to the two
# migrations (README "A new migration"). CompiledModelTests fails until this has been run. PostgreSQL builds its model
# at run time, so it needs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/Portal.Core/Data/CompiledModel
dotnet build src/Portal/Portal.csproj -c Release -nologo -v quiet
dotnet tool run dotnet-ef dbcontext optimize --project src/Portal.Core --startup-project src/Portal \
  --context PortalDbContext --output-dir Data/CompiledModel --namespace Portal.Core.Data.CompiledModel \
  --no-build --configuration Release
# PortalStore.UseSqlite picks this model for SQLite only; the assembly attribute would hand it to PostgreSQL too.
rm src/Portal.Core/Data/CompiledModel/PortalDbContextAssemblyAttributes.cs
