using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Tests.Infrastructure;
using Portal.Tests.Notifications;

namespace Portal.Tests.MultiInstance;

/// <summary>Two instances whose dispatchers run when the test says, at the same moment.</summary>
public sealed class TwoDispatchers : TwoInstances
{
    protected override Dictionary<string, string> Settings => new() { ["Portal:Notifications:Dispatch"] = "false" };
}

/// <summary>
/// Issue 17: "With several instances each delivery is sent by one of them (FOR UPDATE SKIP LOCKED)." Two instances on one
/// PostgreSQL fan out and send the same outbox at the same time; the receiver gets every event exactly once.
/// </summary>
[Trait("Category", "MultiInstance")]
public sealed class NotificationsAcrossInstancesTests(TwoDispatchers portal) : IClassFixture<TwoDispatchers>
{
    [Fact]
    public async Task Two_instances_dispatching_at_once_send_each_event_to_each_endpoint_exactly_once()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(20); // sends overlap: both instances are busy at the same time
        using var admin = await portal.A.ClientAsync();
        var endpoint = await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/notification-endpoints", new { url = receiver.Url })).ExpectAsync(HttpStatusCode.Created);
        const int events = 40;
        for (var i = 0; i < events; i++)
        {
            await (await admin.PostAsync($"{ApiTestData.Base}/notification-endpoints/{endpoint["id"]}:test", null)).ExpectAsync(HttpStatusCode.Accepted);
        }

        var a = portal.A.Services.GetRequiredService<NotificationDispatcher>();
        var b = portal.B.Services.GetRequiredService<NotificationDispatcher>();
        var rounds = await Task.WhenAll(Task.Run(() => KeepSendingAsync(a, receiver, events)), Task.Run(() => KeepSendingAsync(b, receiver, events)));
        Assert.Equal(events, rounds.Sum());

        var ids = receiver.Received.Select(r => r.WebhookId).ToList();
        Assert.Equal(events, ids.Count);
        Assert.Equal(events, ids.Distinct().Count());
        await using var db = await portal.A.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(events, await db.NotificationDeliveries.CountAsync(d => d.EndpointId == Guid.Parse(endpoint["id"]!.GetValue<string>())));
        Assert.Equal(events, await db.NotificationDeliveries.CountAsync(d => d.State == DeliveryState.Succeeded));
        Assert.True(rounds.All(r => r > 0), $"one instance did all the work ({string.Join(", ", rounds)}): the test proved nothing about sharing it");
    }

    /// <summary>An instance's dispatcher, round after round, until the receiver has every event (bounded against a hang).</summary>
    private static async Task<int> KeepSendingAsync(NotificationDispatcher dispatcher, LoopbackReceiver receiver, int events)
    {
        var sent = 0;
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (receiver.Received.Count < events && !guard.IsCancellationRequested)
        {
            sent += await dispatcher.RunOnceAsync();
            await Task.Yield();
        }

        return sent;
    }
}
