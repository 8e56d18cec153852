using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Keys;

/// <summary>DESIGN.md "Last used is kept in memory and written in one batch a minute (and at shutdown)".</summary>
public sealed class KeyUsageTests
{
    [Fact]
    public async Task A_use_shows_as_last_used_at_once_and_is_written_in_one_batch_at_shutdown()
    {
        var data = Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N"));
        string integration, config, keyPrefix, logs;
        await using (var app = new PortalApplication(data, keepData: true))
        {
            using var admin = await app.ClientAsync();
            (integration, config) = await admin.NewConfigAsync();
            var url = await admin.GeneratedUrlAsync(integration, config);
            keyPrefix = SecretFormat.Display(KeyPrefixes.WebhookKey, WebhookApi.KeyOf(url));
            using var anonymous = app.CreateClient();
            using (var delivered = await anonymous.PostAsync(new Uri(url).PathAndQuery, new StringContent("{}")))
            {
                Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
            }

            // Not in the store yet (no write on the request path), yet the key's owner page sees the use.
            Assert.Null(await StoredLastUsedAsync(app, keyPrefix));
            var active = await app.Services.GetRequiredService<KeyEngine>().ListAsync(PortalApplication.Tenant, KeyOwner.ForConfig(Guid.Parse(config)));
            Assert.NotNull(active.Single(k => k.KeyPrefix == keyPrefix).LastUsedAt);
            await app.DisposeAsync(); // stops the host: the last round is written here
            logs = string.Join('\n', app.Logs.Lines.Where(l => l.Contains("Last-used", StringComparison.Ordinal)));
        }

        await using (var again = new PortalApplication(data, keepData: false))
        {
            Assert.True(await StoredLastUsedAsync(again, keyPrefix) is not null, $"not written at shutdown; log: {logs}");
        }
    }

    private static async Task<long?> StoredLastUsedAsync(PortalApplication app, string keyPrefix)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.IssuedKeys.AsNoTracking().Where(k => k.KeyPrefix == keyPrefix).Select(k => k.LastUsedAt).SingleAsync();
    }
}
