using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.MultiInstance;

/// <summary>
/// Issue 13: "Changes that instances cache travel by LISTEN/NOTIFY" and "the listener reconnects and the caches reload,
/// so no revoked key is accepted after the outage"; issue 14: "An instance whose listener is down checks against the
/// database until it has reloaded". Each test first makes B hold the key in its cache (a 202 on B), then changes it on A.
/// </summary>
[Trait("Category", "MultiInstance")]
public sealed class ChangeFeedTests(TwoInstances portal) : IClassFixture<TwoInstances>
{
    private static Task<HttpStatusCode> DeliverAsync(PortalApplication instance, string webhookUrl) => TwoInstances.DeliverAsync(instance, webhookUrl);

    private static ChangeFeed Feed(PortalApplication instance) => instance.Services.GetRequiredService<ChangeFeed>();

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), what);
    }

    [Fact]
    public async Task Both_instances_listen_and_say_so_on_readyz()
    {
        await WaitUntilAsync(() => Feed(portal.A).IsLive && Feed(portal.B).IsLive, "both listeners connected");
        using var probe = portal.B.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task A_key_rotated_on_A_while_B_lost_its_listener_is_refused_on_B_and_stays_refused_after_B_reconnects()
    {
        await WaitUntilAsync(() => Feed(portal.B).IsLive, "B listening");
        using var a = await portal.A.ClientAsync();
        var (integration, config) = await a.NewConfigAsync();
        var old = await a.GeneratedUrlAsync(integration, config);
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, old)); // B now holds the key in memory

        var outages = Feed(portal.B).Outages;
        await TerminateListenersAsync(portal.Database);
        await WaitUntilAsync(() => Feed(portal.B).Outages > outages, "B noticed its listener was gone");

        // The notification of this rotation reaches no listener of B: B must read the store (or have reloaded).
        var rotated = await (await a.RotateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NotFound, await DeliverAsync(portal.B, old));

        await WaitUntilAsync(() => Feed(portal.B).IsLive, "B reconnected");
        Assert.Equal(HttpStatusCode.NotFound, await DeliverAsync(portal.B, old));
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, rotated["webhookUrl"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_key_B_was_told_does_not_exist_works_on_B_as_soon_as_A_stores_it()
    {
        await WaitUntilAsync(() => Feed(portal.A).IsLive && Feed(portal.B).IsLive, "both listening");
        using var a = await portal.A.ClientAsync();
        var (integration, config) = await a.NewConfigAsync();
        var url = await a.GeneratedUrlAsync(integration, config);
        var stored = new Uri(url);
        var engineOnB = portal.B.Services.GetRequiredService<KeyEngine>();

        // A well-formed key nobody minted yet: B remembers "unknown" for a while.
        var secret = SecretFormat.Mint(KeyPrefixes.WebhookKey);
        Assert.Equal(KeyCheckOutcome.Unknown, (await engineOnB.CheckAsync(KeyKind.WebhookKey, PortalApplication.Tenant, secret.Value, null, null)).Outcome);

        // The same value stored through A (as a mint would store it): B's "unknown" is evicted by the notification.
        var factory = portal.A.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var owner = await db.IssuedKeys.AsNoTracking().Where(k => k.TenantId == PortalApplication.Tenant && k.KeyPrefix == SecretFormat.Display(KeyPrefixes.WebhookKey, WebhookApi.KeyOf(url))).Select(k => k.OwnerId).SingleAsync();
            db.IssuedKeys.Add(new IssuedKey
            {
                Id = Guid.CreateVersion7(),
                TenantId = PortalApplication.Tenant,
                Kind = KeyKind.WebhookKey,
                OwnerId = owner,
                Hash = SecretFormat.Hash(secret.Value),
                KeyPrefix = secret.DisplayPrefix,
                CreatedBy = "test",
            });
            await db.SaveChangesAsync();
        }

        Assert.Equal(KeyCheckOutcome.Valid, (await engineOnB.CheckAsync(KeyKind.WebhookKey, PortalApplication.Tenant, secret.Value, null, null)).Outcome);
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, $"{stored.GetLeftPart(UriPartial.Authority)}{stored.AbsolutePath[..(stored.AbsolutePath.LastIndexOf('/') + 1)]}{secret.Value}"));
    }

    private static async Task TerminateListenersAsync(string database)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.Server.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'portal-listener' AND datname = @db", connection);
        command.Parameters.AddWithValue("db", database);
        Assert.True((long)(await command.ExecuteScalarAsync())! >= 2, "both instances had a listener");
    }
}
