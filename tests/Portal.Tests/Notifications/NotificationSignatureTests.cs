using System.Net;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using StandardWebhooks;

namespace Portal.Tests.Notifications;

/// <summary>
/// Signatures checked with the StandardWebhooks library (NuGet <c>StandardWebhooks</c>), never with the portal's own code.
/// The library checks <c>webhook-timestamp</c> against the real clock, so this class never moves its fake clock.
/// </summary>
public sealed class NotificationSignatureTests(NotificationPortal fixture) : IClassFixture<NotificationPortal>
{
    // issue 17: "A loopback receiver verifies the signature with a Standard Webhooks library (not the portal's own code):
    // a rotation produces exactly one key.rotated delivery, signed, with no secret in it."
    [Fact]
    public async Task A_rotation_is_delivered_once_as_key_rotated_signed_so_a_Standard_Webhooks_library_verifies_it_and_without_a_secret()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var (admin, t) = await fixture.TenantAsync();
        var endpoint = await admin.NewEndpointAsync(t, receiver.Url);
        var endpointSecret = endpoint["secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", endpointSecret, StringComparison.Ordinal);

        var (name, first, rotated) = await admin.RotatedSigningSecretAsync(t);
        await fixture.SendDueAsync();
        await fixture.SendDueAsync(); // a second round sends nothing more

        var received = Assert.Single(receiver.Received);
        new StandardWebhook(endpointSecret).Verify(received.Body, received.Headers); // throws unless signed by the endpoint's secret, now
        var payload = JsonNode.Parse(received.Body)!.AsObject();
        Assert.Equal("key.rotated", payload["type"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(payload["timestamp"]!.GetValue<string>(), out _));
        var data = payload["data"]!.AsObject();
        Assert.Equal(t.Split('/')[^1], data["tenant"]!.GetValue<string>());
        Assert.Equal("signing_secret", data["kind"]!.GetValue<string>());
        Assert.Equal(rotated[..14], data["keyPrefix"]!.GetValue<string>());
        Assert.Equal(first[..14], data["previousKeyPrefix"]!.GetValue<string>());
        Assert.Equal("signingSecret", data["owner"]!["type"]!.GetValue<string>());
        Assert.Equal(name, data["owner"]!["id"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(data["actor"]!.GetValue<string>()));

        var everything = received.Body + string.Join("\n", received.Headers.Select(h => $"{h.Key}: {h.Value}"));
        foreach (var secret in new[] { first, rotated, endpointSecret })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[6..], everything, StringComparison.Ordinal); // not even the secret's body without its prefix
        }

        var attempt = Assert.Single(await admin.AttemptsAsync(t, endpoint.Id()))!;
        Assert.Equal("succeeded", attempt["outcome"]!.GetValue<string>());
        Assert.Equal(204, attempt["status"]!.GetValue<int>());
        Assert.Equal(received.WebhookId, attempt["webhookId"]!.GetValue<string>());
        Assert.Equal("key.rotated", attempt["eventType"]!.GetValue<string>());
    }


    [Fact]
    public async Task A_test_event_goes_to_its_endpoint_only_and_a_resend_delivers_the_same_webhook_id_again()
    {
        await using var one = await LoopbackReceiver.StartAsync();
        await using var other = await LoopbackReceiver.StartAsync();
        var (admin, t) = await fixture.TenantAsync();
        var endpoint = await admin.NewEndpointAsync(t, one.Url, "oauth.connected"); // a test event ignores the chosen types
        await admin.NewEndpointAsync(t, other.Url);

        var queued = await (await admin.PostAsync($"{t}/notification-endpoints/{endpoint.Id()}:test", null)).ExpectAsync(HttpStatusCode.Accepted);
        await fixture.SendDueAsync();

        var received = Assert.Single(one.Received);
        Assert.Empty(other.Received);
        Assert.Equal(queued["webhookId"]!.GetValue<string>(), received.WebhookId);
        Assert.Equal("notification.test", JsonNode.Parse(received.Body)!["type"]!.GetValue<string>());
        new StandardWebhook(endpoint["secret"]!.GetValue<string>()).Verify(received.Body, received.Headers);

        var attempt = Assert.Single(await admin.AttemptsAsync(t, endpoint.Id()))!;
        var resent = await (await admin.PostAsync($"{t}/notification-endpoints/attempts/{attempt["id"]}:resend", null)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(received.WebhookId, resent["webhookId"]!.GetValue<string>());
        await fixture.SendDueAsync();
        Assert.Equal(2, one.Received.Count);
        Assert.Equal(received.WebhookId, one.Received.Last().WebhookId);
        Assert.Equal(2, (await admin.AttemptsAsync(t, endpoint.Id(), "?outcome=succeeded")).Count);
    }
}
