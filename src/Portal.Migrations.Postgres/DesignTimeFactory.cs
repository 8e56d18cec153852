using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Portal.Core.Data;

namespace Portal.Migrations.Postgres;

/// <summary>
/// Lets <c>dotnet ef migrations add X --project src/Portal.Migrations.Postgres --startup-project src/Portal.Migrations.Postgres</c>
/// build the PostgreSQL model without a server (no connection is opened to generate a migration).
/// </summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        PortalStore.UsePostgres(options, "Host=localhost;Database=portal_design");
        return new PortalDbContext(options.Options);
    }
}
