using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Core.Notifications;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Notifications;

/// <summary>Review of issue 17: bugs a tenant or an attacker would hit, each shown by a test that failed before its fix.</summary>
public sealed class ReviewFindingsTests(NotificationPortal fixture) : IClassFixture<NotificationPortal>
{
    // README "Retries": "A 2xx answer is success." A receiver that answers the POST with a same-host 302 (a trailing-slash
    // or login redirect) was followed as a GET without the event's body; the GET's 200 was recorded as a delivery that
    // succeeded, so the event was never delivered, never retried, and the attempts log said "succeeded".
    [Fact]
    public async Task A_receiver_that_redirects_the_post_has_not_received_the_event_and_the_attempt_is_not_a_success()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        var (admin, t) = await fixture.TenantAsync();
        var endpoint = await admin.NewEndpointAsync(t, receiver.Base + "/moved", "key.rotated");
        await admin.RotatedSigningSecretAsync(t);

        await fixture.SendDueAsync();

        var attempt = Assert.Single(await admin.AttemptsAsync(t, endpoint.Id()))!;
        Assert.Empty(receiver.Landed); // the event's body reached nobody ...
        Assert.NotEqual("succeeded", attempt["outcome"]!.GetValue<string>()); // ... so it was not delivered
        Assert.Equal(302, attempt["status"]?.GetValue<int>());
        Assert.Equal(0, receiver.Gets); // and no bodiless GET was made in its name
    }

    // NotificationEndpoint.UrlLength (2048) was checked on the URL as typed, but the URL stored is Uri.AbsoluteUri, which
    // percent-escapes: 1,000 'é' become 6,000 characters. SQLite stored a URL longer than the limit; PostgreSQL
    // (varchar(2048)) failed the insert, which ConcurrencyRetry took for a lost race: eight retries, then a misleading 409
    // "kept being changed by other writers". Such a URL is a 400 naming url on both stores.
    [Fact]
    public async Task A_url_that_is_too_long_once_escaped_is_a_400_naming_url_on_every_store()
    {
        var (admin, t) = await fixture.TenantAsync();
        var url = "https://ops.example.com/" + new string('é', 1000);
        Assert.True(url.Length <= NotificationEndpoint.UrlLength);

        await (await admin.PostAsJsonAsync($"{t}/notification-endpoints", new { url })).ExpectValidationAsync("url");

        var endpoint = await admin.NewEndpointAsync(t, "https://ops.example.com/short");
        await (await admin.PatchAsJsonAsync($"{t}/notification-endpoints/{endpoint.Id()}", new { url })).ExpectValidationAsync("url");
        var list = await (await admin.GetAsync($"{t}/notification-endpoints")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("https://ops.example.com/short", Assert.Single(list["items"]!.AsArray())!["url"]!.GetValue<string>());
    }

    // README: key.rotated when "any key is rotated (API, page, inventory, ...)". The notification endpoint's own whsec_
    // secret is listed in the key inventory (owner notificationEndpoint), and the lifecycle sweep announces it as
    // rotation_due / expired, but rotating it from the inventory was a 409 "belongs to something that no longer exists".
    [Fact]
    public async Task A_notification_endpoints_secret_can_be_rotated_from_the_key_inventory_and_that_is_announced()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var (admin, t) = await fixture.TenantAsync();
        var endpoint = await admin.NewEndpointAsync(t, receiver.Url, "key.rotated");
        var prefix = endpoint["secretPrefix"]!.GetValue<string>();
        var keys = await (await admin.GetAsync($"{t}/keys?kind=signing_secret")).ExpectAsync(HttpStatusCode.OK);
        var key = Assert.Single(keys["items"]!.AsArray(), k => k!["keyPrefix"]!.GetValue<string>() == prefix)!;

        var rotated = await (await admin.PostAsync($"{t}/keys/{key["id"]!.GetValue<string>()}:rotate", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.StartsWith("whsec_", rotated["secret"]!.GetValue<string>(), StringComparison.Ordinal);
        await fixture.SendDueAsync();
        var told = Assert.Single(receiver.Received);
        Assert.Equal("key.rotated", JsonNode.Parse(told.Body)!["type"]!.GetValue<string>());
        Assert.DoesNotContain(rotated["secret"]!.GetValue<string>()[6..], told.Body, StringComparison.Ordinal);
    }
}

/// <summary>The app with a long outbound timeout, so a receiver the test holds keeps one dispatcher busy as long as the test wants.</summary>
public sealed class LongTimeoutNotificationPortal : IDisposable
{
    public WebhookPortal Portal { get; } = new(new Dictionary<string, string>
    {
        ["Portal:Notifications:Dispatch"] = "false",
        ["Portal:Outbound:Timeout"] = "00:01:00",
    });

    public async Task<(HttpClient Admin, string Base)> TenantAsync()
    {
        var tenant = ApiTestData.NewId("ntf");
        return (await Portal.OtherTenantAsync(tenant), $"/v1/tenants/{tenant}");
    }

    public void Dispose() => Portal.Dispose();
}

public sealed class ReviewFindingsLeaseTests(LongTimeoutNotificationPortal fixture) : IClassFixture<LongTimeoutNotificationPortal>
{
    // DESIGN/README: "with several instances each delivery is sent by one of them (a lease that runs out because its
    // instance died is taken over)". One lease (timeout + 1 min) was taken for a whole batch of up to 20 deliveries that
    // are then sent one after the other: behind a few slow receivers the later deliveries' lease ran out before their
    // turn, a second instance took them over and sent them, and the first instance sent them again when it got there,
    // with no instance dying.
    [Fact]
    public async Task A_delivery_whose_lease_ran_out_while_it_waited_in_a_batch_is_not_sent_again_by_the_instance_that_claimed_it()
    {
        await using var receiver = await ScriptedReceiver.StartAsync();
        var (admin, t) = await fixture.TenantAsync();
        await admin.NewEndpointAsync(t, receiver.Base + "/held", "key.rotated");
        await admin.NewEndpointAsync(t, receiver.Base + "/events", "key.revoked");
        var name = ApiTestData.NewId("ntf-lease");
        await (await admin.PostAsJsonAsync($"{t}/signing-secrets", new { name })).ExpectAsync(HttpStatusCode.Created);
        await (await admin.PostAsync($"{t}/signing-secrets/{name}:rotate", null)).ExpectAsync(HttpStatusCode.OK); // key.rotated: to /held
        await (await admin.DeleteAsync($"{t}/signing-secrets/{name}")).ExpectAsync(HttpStatusCode.NoContent); // key.revoked: to /events

        var first = fixture.Portal.Services.GetRequiredService<NotificationDispatcher>();
        var second = ActivatorUtilities.CreateInstance<NotificationDispatcher>(fixture.Portal.Services); // another instance on the same store
        var busy = Task.Run(() => first.RunOnceAsync()); // claims both deliveries, and is held by /held
        await receiver.HeldArrived.Task.WaitAsync(TimeSpan.FromMinutes(1));

        fixture.Portal.Time.Advance(TimeSpan.FromMinutes(3)); // past the first instance's lease on both
        await second.RunOnceAsync(); // takes over the one still waiting, and delivers it
        Assert.Single(receiver.Events);

        receiver.Release.SetResult();
        await busy.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Single(receiver.Events); // sent once, by the instance that held it
    }
}

/// <summary>A receiver on loopback whose routes each do one thing: /moved redirects (302) to /landing, /held holds its first request until released, /events records.</summary>
public sealed class ScriptedReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedReceiver(WebApplication app) => _app = app;

    public string Base { get; private set; } = "";

    public ConcurrentQueue<string> Landed { get; } = new();

    public ConcurrentQueue<string> Events { get; } = new();

    private int _gets;

    public int Gets => Volatile.Read(ref _gets);

    public TaskCompletionSource HeldArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<ScriptedReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new ScriptedReceiver(app);
        app.MapPost("/moved", () => Results.Redirect("/landing"));
        app.MapGet("/landing", () =>
        {
            Interlocked.Increment(ref receiver._gets);
            return Results.Ok("landing page");
        });
        app.MapPost("/landing", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            receiver.Landed.Enqueue(await reader.ReadToEndAsync());
            return Results.NoContent();
        });
        app.MapPost("/held", async () =>
        {
            if (receiver.HeldArrived.TrySetResult())
            {
                await receiver.Release.Task; // the first request only: another instance's retry is answered at once
            }

            return Results.NoContent();
        });
        app.MapPost("/events", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            receiver.Events.Enqueue(await reader.ReadToEndAsync());
            return Results.NoContent();
        });
        await app.StartAsync();
        receiver.Base = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        Release.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
