using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>A store upgraded to the list counts and tag rows starts them from the rows it already holds, including rows written by the version before (on the selected store).</summary>
public sealed class ListCountsMigrationTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "portal-tests", "counts-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task After_the_upgrade_the_totals_are_the_rows_stored_before_it()
    {
        var postgres = TestPostgres.IsSelected;
        await using (var before = new PortalApplication(_data, keepData: true, postgres: postgres))
        {
            using var admin = await before.ClientAsync();
            for (var i = 0; i < 3; i++)
            {
                await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/integrations", ApiTestData.SmallIntegration($"before-{i}"))).ExpectAsync(HttpStatusCode.Created);
            }
        }

        await using var after = new PortalApplication(_data, keepData: true, postgres: postgres);
        var builder = new DbContextOptionsBuilder<PortalDbContext>();
        _ = postgres
            ? PortalStore.UsePostgres(builder, TestPostgres.Server.ConnectionString(after.Database!))
            : builder.UseSqlite($"Data Source={Path.Combine(_data, "portal.db")}").UseOpenIddict();
        var options = builder.Options;
        long auditRows;
        await using (var db = new PortalDbContext(options))
        {
            // Back to the migration just before ListCounts, whatever else the store's provider has.
            var ids = db.GetService<IMigrationsAssembly>().Migrations.Keys.Order(StringComparer.Ordinal).ToList();
            await db.GetService<IMigrator>().MigrateAsync(ids[ids.FindIndex(id => id.EndsWith("_ListCounts", StringComparison.Ordinal)) - 1]);
            // A row the previous version wrote: no trigger counted it.
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO "Integrations" ("TenantId", "Id", "DisplayName", "Type", "MetadataJson", "Tags", "SearchText", "IsInternal", "WebhookOwnership", "CreatedAt", "ModifiedAt", "ToolsJson", "Version")
                VALUES ('default', 'written-before', 'Old', 0, '{{}}', '|old|legacy|', 'written-before', {0}, 0, 0, 0, '[]', {1})
                """, postgres ? false : 0, postgres ? Guid.NewGuid() : "6F9619FF-8B86-D011-B42D-00C04FC964FF");
            auditRows = await db.Database.SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM \"AuditEvents\" WHERE \"TenantId\" = 'default'").SingleAsync();
        }

        SqliteConnection.ClearAllPools();
        using var again = await after.ClientAsync();
        var integrations = await (await again.GetAsync($"{ApiTestData.Base}/integrations?take=1")).ExpectAsync(HttpStatusCode.OK);
        var audit = await (await again.GetAsync($"{ApiTestData.Base}/audit?take=1")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(4, integrations["total"]!.GetValue<int>());
        var legacy = await (await again.GetAsync($"{ApiTestData.Base}/integrations?tag=legacy")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["written-before"], legacy["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.True(audit["total"]!.GetValue<long>() >= auditRows, "the audit total starts from the stored rows (and the new start adds its own)");
        await using var upgraded = new PortalDbContext(options);
        Assert.Equal(await upgraded.AuditEvents.LongCountAsync(e => e.TenantId == "default"), audit["total"]!.GetValue<long>());
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
