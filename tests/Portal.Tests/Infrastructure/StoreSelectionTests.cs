using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;

namespace Portal.Tests.Infrastructure;

/// <summary>The second pass of the suite (PORTAL_TEST_STORE=postgres) really runs on PostgreSQL, and the first on SQLite.</summary>
public sealed class StoreSelectionTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task The_app_runs_on_the_store_the_test_pass_asked_for()
    {
        Assert.Equal(TestPostgres.IsSelected, app.Services.GetRequiredService<StoreInfo>().IsPostgres);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(TestPostgres.IsSelected ? "Npgsql.EntityFrameworkCore.PostgreSQL" : "Microsoft.EntityFrameworkCore.Sqlite", db.Database.ProviderName);
        Assert.True(await db.Tenants.AnyAsync(t => t.Id == PortalApplication.Tenant), "the bootstrap tenant is in the store");
    }
}
