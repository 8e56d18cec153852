using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.MultiInstance;

/// <summary>
/// Issue 16 with two instances on one PostgreSQL: "with enforce, a key past its age is refused". The policy is read from
/// memory on the hot path, so a change on A must reach B's memory before A's call returns.
/// </summary>
[Trait("Category", "MultiInstance")]
public sealed class KeyPolicyAcrossInstancesTests(TwoInstances portal) : IClassFixture<TwoInstances>
{
    private static Task<HttpStatusCode> DeliverAsync(PortalApplication instance, string webhookUrl) => TwoInstances.DeliverAsync(instance, webhookUrl);

    [Fact]
    public async Task A_policy_enforced_on_A_refuses_an_old_key_on_B_on_the_very_next_request()
    {
        for (var i = 0; i < 200 && !(portal.A.Services.GetRequiredService<ChangeFeed>().IsLive && portal.B.Services.GetRequiredService<ChangeFeed>().IsLive); i++)
        {
            await Task.Delay(50);
        }

        using var a = await portal.A.ClientAsync();
        var (integration, config) = await a.NewConfigAsync();
        var url = await a.GeneratedUrlAsync(integration, config);

        // The key was minted 40 days ago (its creation time is never cached before this, and never changes in real life).
        var hash = SecretFormat.Hash(WebhookApi.KeyOf(url));
        await using (var db = await portal.A.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var days40 = 40L * 24 * 3600 * 1000;
            Assert.Equal(1, await db.IssuedKeys.Where(k => k.Hash == hash).ExecuteUpdateAsync(s => s.SetProperty(k => k.CreatedAt, k => k.CreatedAt - days40)));
        }

        // B holds the key and the tenant's policy (none: no limit) in memory.
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, url));
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, url));

        await (await a.PutAsJsonAsync($"{ApiTestData.Base}/key-policy", new JsonObject { ["webhook_key"] = new JsonObject { ["maxAgeDays"] = 30, ["warnDays"] = 7, ["enforce"] = true } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NotFound, await DeliverAsync(portal.B, url));

        await (await a.PutAsJsonAsync($"{ApiTestData.Base}/key-policy", new JsonObject { ["webhook_key"] = new JsonObject { ["enforce"] = false } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, url));
    }
}
