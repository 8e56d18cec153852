using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Notifications;

/// <summary>
/// Issue 17, "Tests": what a tenant's receiver gets when it fails, and what never reaches it. A real HTTP receiver on
/// loopback; each test has a tenant of its own; the dispatcher runs when the test says
/// (<see cref="NotificationPortal.SendDueAsync"/>), on a fake clock the tests move by days.
/// </summary>
public sealed class NotificationDeliveryTests(NotificationPortal fixture) : IClassFixture<NotificationPortal>
{
    // issue 17: "Failing receiver (500, timeout, connection refused): retries follow the schedule on a fake clock; attempts recorded"
    // DESIGN.md "Notifications": "retries 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; every attempt logged (status, duration, response excerpt ≤ 1 KiB)"
    [Fact]
    public async Task A_receiver_answering_500_is_retried_on_the_schedule_every_attempt_recorded_then_given_up()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Status = 500;
        receiver.ResponseBody = "boom: " + new string('x', 3000);
        var (admin, t) = await fixture.TenantAsync();
        var endpoint = await admin.NewEndpointAsync(t, receiver.Url, "key.rotated");
        await admin.RotatedSigningSecretAsync(t);

        await fixture.SendDueAsync();
        Assert.Single(receiver.Received);
        var schedule = new[] { TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10) };
        for (var i = 0; i < schedule.Length; i++)
        {
            admin = await fixture.AdminOfAsync(t);
            var last = (await admin.AttemptsAsync(t, endpoint.Id()))[0]!;
            Assert.Equal("pending", last["outcome"]!.GetValue<string>());
            Assert.Equal(500, last["status"]!.GetValue<int>());
            var wait = last["nextAttemptAt"]!.GetValue<long>() - last["attemptedAt"]!.GetValue<long>();
            Assert.InRange(wait, (long)schedule[i].TotalMilliseconds, (long)schedule[i].TotalMilliseconds + 1000); // the fake clock ticks 1 ms per reading

            fixture.Portal.Time.Advance(schedule[i] - TimeSpan.FromSeconds(2));
            await fixture.SendDueAsync();
            Assert.Equal(i + 1, receiver.Received.Count); // not before its time

            fixture.Portal.Time.Advance(TimeSpan.FromSeconds(3));
            await fixture.SendDueAsync();
            Assert.Equal(i + 2, receiver.Received.Count);
        }

        admin = await fixture.AdminOfAsync(t);
        var attempts = await admin.AttemptsAsync(t, endpoint.Id());
        Assert.Equal(8, attempts.Count);
        var final = attempts[0]!;
        Assert.Equal("failed", final["outcome"]!.GetValue<string>());
        Assert.Null(final["nextAttemptAt"]);
        var excerpt = final["responseExcerpt"]!.GetValue<string>();
        Assert.StartsWith("boom: xxx", excerpt, StringComparison.Ordinal);
        Assert.Equal(1024, excerpt.Length);
        Assert.All(receiver.Received, r => Assert.Equal(receiver.Received.First().WebhookId, r.WebhookId)); // one webhook-id for every attempt

        fixture.Portal.Time.Advance(TimeSpan.FromDays(2));
        await fixture.SendDueAsync();
        Assert.Equal(8, receiver.Received.Count); // given up
        admin = await fixture.AdminOfAsync(t);
        Assert.Single(await admin.AttemptsAsync(t, endpoint.Id(), "?outcome=failed"));
        Assert.Equal(7, (await admin.AttemptsAsync(t, endpoint.Id(), "?outcome=pending")).Count);
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_and_an_address_that_refuses_the_connection_are_failed_attempts_that_say_why()
    {
        await using var slow = await LoopbackReceiver.StartAsync();
        slow.Delay = TimeSpan.FromSeconds(5); // the portal waits 1 s (Portal:Outbound:Timeout in this fixture)
        var (admin, t) = await fixture.TenantAsync();
        var timing = await admin.NewEndpointAsync(t, slow.Url);
        var refused = await admin.NewEndpointAsync(t, $"http://127.0.0.1:{ClosedPort()}/events");
        await admin.RotatedSigningSecretAsync(t);

        await fixture.SendDueAsync();

        var timedOut = Assert.Single(await admin.AttemptsAsync(t, timing.Id()))!;
        Assert.Null(timedOut["status"]);
        Assert.Equal("pending", timedOut["outcome"]!.GetValue<string>());
        Assert.Contains("Timed out after 1 s", timedOut["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.InRange(timedOut["durationMs"]!.GetValue<int>(), 900, 4900);

        var noConnection = Assert.Single(await admin.AttemptsAsync(t, refused.Id()))!;
        Assert.Null(noConnection["status"]);
        Assert.Contains("ConnectionRefused", noConnection["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(noConnection["nextAttemptAt"]);

        var listed = await (await admin.GetAsync($"{t}/notification-endpoints/{refused.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(listed["failingSince"]);
        Assert.Equal("pending", listed["lastAttempt"]!["outcome"]!.GetValue<string>());
    }

    // issue 17: "an endpoint failing for 5 days is disabled, announced to the tenant's other endpoints and shown as a banner"
    [Fact]
    public async Task An_endpoint_failing_for_five_days_is_disabled_and_the_tenants_other_endpoints_are_told()
    {
        await using var failing = await LoopbackReceiver.StartAsync();
        failing.Status = 503;
        await using var healthy = await LoopbackReceiver.StartAsync();
        var (admin, t) = await fixture.TenantAsync();
        var broken = await admin.NewEndpointAsync(t, failing.Url + "?token=receiver-query-token", "key.rotated");
        await admin.NewEndpointAsync(t, healthy.Url, "notification_endpoint.disabled");

        for (var day = 0; day < 5; day++)
        {
            admin = await fixture.AdminOfAsync(t);
            await admin.RotatedSigningSecretAsync(t);
            await fixture.SendDueAsync();
            var state = await (await admin.GetAsync($"{t}/notification-endpoints/{broken.Id()}")).ExpectAsync(HttpStatusCode.OK);
            Assert.True(state["enabled"]!.GetValue<bool>(), $"disabled on day {day}, before five days of failures");
            fixture.Portal.Time.Advance(TimeSpan.FromDays(1));
        }

        admin = await fixture.AdminOfAsync(t);
        await admin.RotatedSigningSecretAsync(t);
        await fixture.SendDueAsync(); // five days after the first failure: this failure disables it
        await fixture.SendDueAsync(); // and the announcement goes out

        var disabled = await (await admin.GetAsync($"{t}/notification-endpoints/{broken.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.False(disabled["enabled"]!.GetValue<bool>());
        Assert.Contains("5 days", disabled["disabledReason"]!.GetValue<string>(), StringComparison.Ordinal);
        var told = Assert.Single(healthy.Received);
        var payload = JsonNode.Parse(told.Body)!;
        Assert.Equal("notification_endpoint.disabled", payload["type"]!.GetValue<string>());
        Assert.Equal(broken.Id(), payload["data"]!["endpoint"]!["id"]!.GetValue<string>());
        Assert.Equal(failing.Url, payload["data"]!["endpoint"]!["url"]!.GetValue<string>()); // the other endpoints are not told its query string
        Assert.DoesNotContain("receiver-query-token", told.Body, StringComparison.Ordinal);

        var before = failing.Received.Count;
        await admin.RotatedSigningSecretAsync(t);
        fixture.Portal.Time.Advance(TimeSpan.FromDays(1));
        await fixture.SendDueAsync();
        Assert.Equal(before, failing.Received.Count); // a disabled endpoint gets nothing

        // Enabling it again starts over: a new failure streak, and the next event is sent.
        admin = await fixture.AdminOfAsync(t);
        failing.Status = 200;
        var enabled = await (await admin.PatchAsJsonAsync($"{t}/notification-endpoints/{broken.Id()}", new { enabled = true })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(enabled["enabled"]!.GetValue<bool>());
        Assert.Null(enabled["disabledReason"]);
        await admin.RotatedSigningSecretAsync(t);
        await fixture.SendDueAsync();
        Assert.Equal(before + 1, failing.Received.Count);
    }

    [Fact]
    public async Task A_success_with_a_body_larger_than_the_outbound_limit_is_a_success_and_keeps_its_first_KiB()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Status = 200;
        receiver.ResponseBody = "ok " + new string('y', 2 * 1024 * 1024); // over Portal:Outbound:MaxResponseBytes (1 MiB)
        var (admin, t) = await fixture.TenantAsync();
        var endpoint = await admin.NewEndpointAsync(t, receiver.Url);
        await (await admin.PostAsync($"{t}/notification-endpoints/{endpoint.Id()}:test", null)).ExpectAsync(HttpStatusCode.Accepted);
        await fixture.SendDueAsync();

        var attempt = Assert.Single(await admin.AttemptsAsync(t, endpoint.Id()))!;
        Assert.Equal("succeeded", attempt["outcome"]!.GetValue<string>());
        Assert.Equal(200, attempt["status"]!.GetValue<int>());
        Assert.Equal(1024, attempt["responseExcerpt"]!.GetValue<string>().Length);
    }

    // issue 17: "Rolled-back change: nothing delivered."
    [Fact]
    public async Task A_rotation_that_rolls_back_announces_nothing()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var (admin, t) = await fixture.TenantAsync();
        await admin.NewEndpointAsync(t, receiver.Url);
        var name = ApiTestData.NewId("ntf-rollback");
        var created = await (await admin.PostAsJsonAsync($"{t}/signing-secrets", new { name })).ExpectAsync(HttpStatusCode.Created);
        var messagesBefore = await MessagesAsync(t);

        fixture.Portal.Faults.Arm("AuditEvents"); // the rotation's last write fails: its transaction rolls back
        try
        {
            using var failed = await admin.PostAsync($"{t}/signing-secrets/{name}:rotate", null);
            Assert.False(failed.IsSuccessStatusCode);
        }
        finally
        {
            fixture.Portal.Faults.Disarm();
        }

        var list = await (await admin.GetAsync($"{t}/signing-secrets")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(created["token"]!.GetValue<string>()[..14], list["items"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == name)!["keyPrefix"]!.GetValue<string>());
        Assert.Equal(messagesBefore, await MessagesAsync(t));
        await fixture.SendDueAsync();
        Assert.Empty(receiver.Received);
    }

    // DESIGN.md "Notifications": "key.used_after_revoke (at most one per key per hour)"
    [Fact]
    public async Task A_revoked_webhook_key_used_again_is_announced_at_most_once_an_hour()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var (admin, t) = await fixture.TenantAsync();
        await admin.NewEndpointAsync(t, receiver.Url, "key.used_after_revoke");
        var tenant = t.Split('/')[^1];
        var (integration, config) = await Webhooks.WebhookApi.NewConfigAsync(admin, tenant: tenant);
        var configPath = $"{t}/integrations/{integration}/configs/{config}";
        var oldUrl = (await (await admin.PostAsync($"{configPath}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        await (await admin.PostAsync($"{configPath}/webhook:rotate", null)).ExpectAsync(HttpStatusCode.OK);

        using var anonymous = fixture.Portal.Factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var refused = await anonymous.PostAsJsonAsync(new Uri(oldUrl).PathAndQuery, new { n = i });
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        await fixture.SendDueAsync();
        var first = Assert.Single(receiver.Received);
        var data = JsonNode.Parse(first.Body)!["data"]!;
        Assert.Equal("key.used_after_revoke", JsonNode.Parse(first.Body)!["type"]!.GetValue<string>());
        Assert.Equal("webhook_key", data["kind"]!.GetValue<string>());
        Assert.DoesNotContain(Webhooks.WebhookApi.KeyOf(oldUrl), first.Body, StringComparison.Ordinal);

        fixture.Portal.Time.Advance(TimeSpan.FromMinutes(61));
        admin.Dispose();
        using (var again = await anonymous.PostAsJsonAsync(new Uri(oldUrl).PathAndQuery, new { n = 9 }))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        await fixture.SendDueAsync();
        // Two announcements, by message id: a first attempt that outlived the 1 s timeout on a loaded machine was retried
        // with the same webhook-id when the clock moved on (a PostgreSQL pass once counted three requests so).
        Assert.Equal(2, receiver.Received.Select(r => r.WebhookId).Distinct().Count());
    }

    private async Task<int> MessagesAsync(string tenantBase)
    {
        var tenant = tenantBase.Split('/')[^1];
        await using var db = await fixture.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.NotificationMessages.CountAsync(m => m.TenantId == tenant);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
