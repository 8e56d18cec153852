using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Retention;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Hosting;

/// <summary>
/// Issue 18, "Retention": the sweep on a fake clock. Events, audit rows and revoked keys past their retention are
/// deleted; everything younger, the key in force and the counts the lists show stay right.
/// </summary>
public sealed class RetentionTests : IDisposable
{
    private readonly WebhookPortal _portal = new(new Dictionary<string, string> { ["Portal:Retention:AuditDays"] = "60", ["Portal:Retention:Batch"] = "2" });

    [Fact]
    public async Task Old_events_audit_rows_and_revoked_keys_are_deleted_in_batches_and_the_key_in_force_keeps_working()
    {
        using var admin = await _portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var first = await admin.GeneratedUrlAsync(integration, config);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(first, $"old_{i}"));
        }

        await (await admin.RotateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK);
        var current = (await (await admin.RotateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        var retention = _portal.Services.GetRequiredService<RetentionSweep>();
        var dispatcher = _portal.Services.GetRequiredService<Portal.Core.Notifications.NotificationDispatcher>();
        async Task<RetentionResult> SweepAsync()
        {
            await dispatcher.RunOnceAsync(); // the rotations' notifications are fanned out now, not whenever the background round comes
            return await retention.RunAsync();
        }

        var keys = $"{WebhookApi.ConfigPath(integration, config)}/webhook/keys";

        // Paged like every list: newest first.
        var page = await (await admin.GetAsync($"{keys}?take=1")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, page["total"]!.GetValue<int>());
        Assert.True(Assert.Single(page["items"]!.AsArray())!["active"]!.GetValue<bool>());

        _portal.Time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(current, "new_0"));
        var result = await SweepAsync();
        Assert.Equal(5, result.Events); // 30 days of events by default, deleted two at a time (Batch=2)
        Assert.Equal(0, result.RevokedKeys); // revoked 31 days ago: kept for 90
        Assert.Equal(2, result.Notifications); // the two key.rotated events, sent to nobody, 31 days old (kept 30)
        using (var fresh = await _portal.AdminAsync())
        {
            Assert.Equal(["new_0"], await fresh.StoredWebhookIdsAsync(integration, config));
            var events = await (await fresh.GetAsync($"{WebhookApi.ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(1, events["total"]!.GetValue<int>()); // the count follows the deletes
        }

        _portal.Time.Advance(TimeSpan.FromDays(60));
        result = await SweepAsync();
        Assert.Equal(2, result.RevokedKeys);
        Assert.True(result.AuditRows > 0, "audit rows older than 60 days were kept");
        using (var fresh = await _portal.AdminAsync())
        {
            var left = await (await fresh.GetAsync(keys)).ExpectAsync(HttpStatusCode.OK);
            var only = Assert.Single(left["items"]!.AsArray())!;
            Assert.True(only["active"]!.GetValue<bool>());
            var audit = await (await fresh.GetAsync($"{ApiTestData.Base}/audit?take=500")).ExpectAsync(HttpStatusCode.OK);
            var cutoff = _portal.Time.GetUtcNow().AddDays(-60).ToUnixTimeMilliseconds();
            Assert.All(audit["items"]!.AsArray(), e => Assert.True(e!["at"]!.GetValue<long>() >= cutoff));
            Assert.Equal(audit["items"]!.AsArray().Count, audit["total"]!.GetValue<int>());
        }

        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(current, "new_1")); // the key in force is never swept
        Assert.Equal(HttpStatusCode.NotFound, await DeliverAsync(first, "gone")); // a swept key is as refused as a revoked one
        Assert.Equal(new RetentionResult(0, 0, 0, 0), await SweepAsync()); // nothing left to do
    }

    [Fact]
    public void A_negative_retention_is_refused_at_start()
    {
        using var portal = new PortalApplication { Settings = { ["Portal:Retention:EventDays"] = "-1" } };
        var failure = Assert.ThrowsAny<Exception>(() => portal.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RetentionOptions>>().Value);
        Assert.Contains("EventDays", failure.Message + failure.InnerException?.Message, StringComparison.Ordinal);
    }

    private async Task<HttpStatusCode> DeliverAsync(string url, string webhookId)
    {
        using var http = _portal.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url).PathAndQuery) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", webhookId);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    public void Dispose() => _portal.Dispose();
}
