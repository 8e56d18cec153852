using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Notifications;

/// <summary>
/// Issue 17: "Kill the portal between the change's commit and the delivery: after restart the delivery happens once."
/// The real Portal as a process of its own (its built Portal.dll), on SQLite, or on PostgreSQL when
/// <c>PORTAL_TEST_STORE=postgres</c>. Its dispatcher is off for the first run, so the kill certainly falls between the
/// rotation's commit and any delivery; SIGKILL leaves nothing to flush. The restarted portal (dispatcher on) delivers it.
/// </summary>
public sealed class NotificationCrashSafetyTests
{
    [Fact]
    public async Task A_rotation_committed_before_a_SIGKILL_is_delivered_exactly_once_after_the_restart()
    {
        var dll = IngestCrashSafetyTests.PortalDll();
        using var store = new IngestCrashSafetyTests.ProcessStore();
        await using var receiver = await LoopbackReceiver.StartAsync();
        var settings = new Dictionary<string, string> { ["Portal:Outbound:AllowPrivateNetworks"] = "true" };
        var t = $"/v1/tenants/{PortalProcess.Tenant}";
        string endpointId;
        string rotatedPrefix;

        using (var portal = await PortalProcess.StartAsync(dll, store.ConnectionString, store.DataDirectory, new Dictionary<string, string>(settings) { ["Portal:Notifications:Dispatch"] = "false" }))
        {
            using var admin = await portal.AdminAsync();
            var endpoint = await (await admin.PostAsJsonAsync($"{t}/notification-endpoints", new { url = receiver.Url, eventTypes = new[] { "key.rotated" } })).ExpectAsync(HttpStatusCode.Created);
            endpointId = endpoint["id"]!.GetValue<string>();
            await (await admin.PostAsJsonAsync($"{t}/signing-secrets", new { name = "crash-secret" })).ExpectAsync(HttpStatusCode.Created);
            var rotated = await (await admin.PostAsync($"{t}/signing-secrets/crash-secret:rotate", null)).ExpectAsync(HttpStatusCode.OK);
            rotatedPrefix = rotated["token"]!.GetValue<string>()[..14];
            portal.Kill(); // the rotation is committed (200 above); its event never left
        }

        Assert.Empty(receiver.Received);
        using var restarted = await PortalProcess.StartAsync(dll, store.ConnectionString, store.DataDirectory, settings);
        var received = await receiver.NextAsync(); // the restarted dispatcher sends it (it polls every second)
        var payload = JsonNode.Parse(received.Body)!;
        Assert.Equal("key.rotated", payload["type"]!.GetValue<string>());
        Assert.Equal(rotatedPrefix, payload["data"]!["keyPrefix"]!.GetValue<string>());

        // Exactly once: the delivery is recorded as succeeded, so no round sends it again.
        using var again = await restarted.AdminAsync();
        JsonArray attempts = [];
        for (var i = 0; i < 600 && attempts.Count == 0; i++)
        {
            attempts = (await (await again.GetAsync($"{t}/notification-endpoints/{endpointId}/attempts")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
            await Task.Delay(attempts.Count == 0 ? 50 : 0);
        }

        var attempt = Assert.Single(attempts)!;
        Assert.Equal("succeeded", attempt["outcome"]!.GetValue<string>());
        Assert.Equal(received.WebhookId, attempt["webhookId"]!.GetValue<string>());
        Assert.Single(receiver.Received);
        Assert.Equal(0, receiver.Untaken);
    }
}
