using System.Net;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>The optional grace period: the previous URL keeps working until its expiresAt, then stops.</summary>
public sealed class WebhookGracePeriodTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    [Fact]
    public async Task With_a_grace_period_the_previous_url_works_until_its_expiry_and_is_refused_after()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var previous = await admin.GeneratedUrlAsync(integration, config);

        var rotated = await (await admin.RotateAsync(integration, config, new { gracePeriodSeconds = 3600 })).ExpectAsync(HttpStatusCode.OK);
        var expiresAt = rotated["previousKeyExpiresAt"]!.GetValue<long>();
        Assert.InRange(expiresAt - portal.Time.GetUtcNow().ToUnixTimeMilliseconds(), 3_590_000, 3_600_000);

        var keys = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/keys")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(expiresAt, keys["items"]!.AsArray().Single(k => !k!["active"]!.GetValue<bool>())!["expiresAt"]!.GetValue<long>());

        portal.Time.Advance(TimeSpan.FromMinutes(59));
        await (await portal.DeliverAsync(previous)).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(rotated["webhookUrl"]!.GetValue<string>())).ExpectAsync(HttpStatusCode.Accepted);

        portal.Time.Advance(TimeSpan.FromMinutes(1));
        await (await portal.DeliverAsync(previous)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await portal.DeliverAsync(rotated["webhookUrl"]!.GetValue<string>())).ExpectAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task The_grace_period_can_be_given_in_the_query_string()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var previous = await admin.GeneratedUrlAsync(integration, config);

        var rotated = await (await admin.PostAsync($"{ConfigPath(integration, config)}/webhook:rotate?gracePeriodSeconds=60", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.NotNull(rotated["previousKeyExpiresAt"]);
        await (await portal.DeliverAsync(previous)).ExpectAsync(HttpStatusCode.Accepted);
        portal.Time.Advance(TimeSpan.FromSeconds(61));
        await (await portal.DeliverAsync(previous)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Without_a_grace_period_the_response_names_no_expiry_because_the_previous_key_is_revoked_now()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var previous = await admin.GeneratedUrlAsync(integration, config);

        var rotated = await (await admin.RotateAsync(integration, config, new { gracePeriodSeconds = 0 })).ExpectAsync(HttpStatusCode.OK);

        Assert.False(rotated.ContainsKey("previousKeyExpiresAt"));
        await (await portal.DeliverAsync(previous)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
