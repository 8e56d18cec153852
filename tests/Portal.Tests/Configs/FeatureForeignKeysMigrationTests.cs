using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;

namespace Portal.Tests.Configs;

/// <summary>
/// A database from before the foreign keys may hold rows whose config or integration is gone; the upgrade deletes
/// them instead of failing to add the keys.
/// </summary>
public sealed class FeatureForeignKeysMigrationTests : IDisposable
{
    private const string LastMigrationWithoutKeys = "20261202123100_IntegrationVersion";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "portal-tests", "fk-migration-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Rows_left_behind_by_a_deleted_config_or_integration_are_removed_by_the_upgrade()
    {
        string config, mcpIntegration;
        await using (var before = new PortalApplication(_data, keepData: true, postgres: false))
        {
            using var admin = await before.ClientAsync();
            using var deliverer = before.CreateClient();
            (_, config) = await ConfigRemovalTests.ConfigWithChildrenAsync(admin, deliverer);
            (mcpIntegration, var mcpConfig) = await McpTestData.CreateAsync(admin);
            await admin.EnableAsync(mcpIntegration, mcpConfig);
        }

        // Back to the schema without the keys, and delete parents the way no code path does any more: children stay behind.
        var options = new DbContextOptionsBuilder<PortalDbContext>().UseSqlite($"Data Source={Path.Combine(_data, "portal.db")}").UseOpenIddict().Options;
        await using (var db = new PortalDbContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync(LastMigrationWithoutKeys);
            await db.Database.ExecuteSqlRawAsync("""DELETE FROM "Configs"; DELETE FROM "Integrations";""");
            Assert.Equal(3, await db.ConfigRevisions.CountAsync() + await db.WebhookBindings.CountAsync() + await db.WebhookEvents.CountAsync());
            Assert.Equal(1, await db.McpSettings.CountAsync());
        }

        SqliteConnection.ClearAllPools();
        await using var after = new PortalApplication(_data, keepData: true, postgres: false);
        using var again = await after.ClientAsync();
        await (await again.GetAsync($"{ApiTestData.Base}/integrations")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(0, await ConfigRemovalTests.ChildRowsAsync(after.Services, config));
        await using var upgraded = new PortalDbContext(options);
        Assert.Equal(0, await upgraded.McpSettings.CountAsync(m => m.IntegrationId == mcpIntegration));
        Assert.Empty(await upgraded.Database.GetPendingMigrationsAsync());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
