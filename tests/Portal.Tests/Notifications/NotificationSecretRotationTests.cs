using System.Net;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using StandardWebhooks;

namespace Portal.Tests.Notifications;

/// <summary>An endpoint's own secret rotated with a grace period; alone in its class because it moves the clock after verifying.</summary>
public sealed class NotificationSecretRotationTests(NotificationPortal fixture) : IClassFixture<NotificationPortal>
{

    [Fact]
    public async Task After_a_secret_rotation_with_a_grace_period_each_delivery_is_signed_by_the_new_and_the_old_secret()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var (admin, t) = await fixture.TenantAsync();
        var endpoint = await admin.NewEndpointAsync(t, receiver.Url);
        var old = endpoint["secret"]!.GetValue<string>();
        var rotated = await (await admin.PostAsync($"{t}/notification-endpoints/{endpoint.Id()}:rotateSecret?gracePeriodSeconds=3600", null)).ExpectAsync(HttpStatusCode.OK);
        var fresh = rotated["secret"]!.GetValue<string>();
        Assert.NotEqual(old, fresh);
        Assert.NotNull(rotated["previousSecretExpiresAt"]);

        await fixture.SendDueAsync(); // the rotation of its own secret is a key.rotated event, sent to it
        var received = Assert.Single(receiver.Received);
        var signatures = received.Headers["webhook-signature"].ToString().Split(' ');
        Assert.Equal(2, signatures.Length); // "v1,<by the new secret> v1,<by the old one>"
        new StandardWebhook(fresh).Verify(received.Body, received.Headers);

        // Receivers still on the old secret keep verifying. (StandardWebhooks 1.1.2 reads only the first of several
        // signatures in one header, so the old secret's own signature is handed to it alone.)
        var oldOnly = new Microsoft.AspNetCore.Http.HeaderDictionary();
        foreach (var (header, value) in received.Headers)
        {
            oldOnly[header] = value;
        }

        oldOnly["webhook-signature"] = signatures[1];
        new StandardWebhook(old).Verify(received.Body, oldOnly);
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => new StandardWebhook(fresh).Verify(received.Body, oldOnly));
        Assert.DoesNotContain(fresh, received.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(old, received.Body, StringComparison.Ordinal);

        fixture.Portal.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await (await admin.PostAsync($"{t}/notification-endpoints/{endpoint.Id()}:test", null)).ExpectAsync(HttpStatusCode.Accepted);
        await fixture.SendDueAsync();
        var later = receiver.Received.Last();
        Assert.Single(later.Headers["webhook-signature"].ToString().Split(' ')); // the old secret no longer signs
    }
}
