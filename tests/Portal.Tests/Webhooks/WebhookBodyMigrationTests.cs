using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>Events stored while bodies were text keep that text once bodies are stored as bytes.</summary>
public sealed class WebhookBodyMigrationTests : IDisposable
{
    private const string LastTextMigration = "20261123173654_McpSettings";
    private const string Body = """{"event":"invoice.paid","note":"grüß dich"}""";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "portal-tests", "migration-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task An_event_stored_as_text_before_the_upgrade_is_listed_and_downloaded_as_the_same_text_after_it()
    {
        string integration, config;
        await using (var before = new PortalApplication(_data, keepData: true, postgres: false))
        {
            using var admin = await before.ClientAsync();
            (integration, config) = await admin.NewConfigAsync();
            var url = await admin.GeneratedUrlAsync(integration, config);
            using var deliverer = before.CreateClient();
            await (await deliverer.PostAsync(new Uri(url).PathAndQuery, new StringContent(Body, Encoding.UTF8, "application/json"))).ExpectAsync(HttpStatusCode.Accepted);
        }

        // Back to the schema that stored bodies as TEXT: the row now looks exactly like one written by the old code.
        var options = new DbContextOptionsBuilder<PortalDbContext>().UseSqlite($"Data Source={Path.Combine(_data, "portal.db")}").UseOpenIddict().Options;
        await using (var db = new PortalDbContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync(LastTextMigration);
            Assert.Equal(["text"], await db.Database.SqlQueryRaw<string>("SELECT typeof(\"Body\") AS \"Value\" FROM \"WebhookEvents\"").ToListAsync());
        }

        SqliteConnection.ClearAllPools();
        await using var after = new PortalApplication(_data, keepData: true, postgres: false);
        using var again = await after.ClientAsync();
        var events = await (await again.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
        var stored = Assert.Single(events["items"]!.AsArray())!;
        Assert.Equal(Body, stored["body"]!.GetValue<string>());
        Assert.Equal("utf8", stored["bodyEncoding"]!.GetValue<string>());
        using var download = await again.GetAsync($"{ConfigPath(integration, config)}/webhook/events/{stored["id"]!.GetValue<long>()}/body");
        Assert.Equal(Encoding.UTF8.GetBytes(Body), await download.Content.ReadAsByteArrayAsync());

        // Stored as bytes too, not text in a blob column: a copy to another store (PostgreSQL bytea) sees bytes.
        await using var upgraded = new PortalDbContext(options);
        Assert.Equal(["blob"], await upgraded.Database.SqlQueryRaw<string>("SELECT typeof(\"Body\") AS \"Value\" FROM \"WebhookEvents\"").ToListAsync());
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
