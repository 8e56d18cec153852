using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.MultiInstance;

/// <summary>
/// Group commit with two instances on one PostgreSQL database: a provider that retries through a load balancer sends the
/// same <c>webhook-id</c>s to both, in any order. Each instance's writer inserts its batch in one statement; the two
/// statements must not wait on each other in a cycle: PostgreSQL would abort one (deadlock, 40P01) and every event of that
/// batch would be answered 503. With rows in key order on every instance no cycle can form, whatever the timing.
/// </summary>
[Trait("Category", "MultiInstance")]
public sealed class IngestAcrossInstancesTests(IngestAcrossInstancesTests.ProbedInstances portal) : IClassFixture<IngestAcrossInstancesTests.ProbedInstances>
{
    /// <summary>Two instances whose ingest writers a test can see take a batch (<see cref="IngestWriterProbe"/>).</summary>
    public sealed class ProbedInstances : TwoInstances
    {
        protected override Action<IServiceCollection>? TestServices => IngestWriterProbe.Install;
    }

    /// <summary>Bodies large enough that each instance's statement runs long enough to overlap the other's.</summary>
    private const int BodyBytes = 16 * 1024;

    [Fact]
    public async Task The_same_webhook_ids_batched_on_two_instances_in_opposite_orders_are_all_accepted_and_stored_once()
    {
        using var admin = await portal.A.ClientAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);
        await (await portal.A.DeliverAsync(url, "warm_a")).Response.ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.B.DeliverAsync(url, "warm_b")).Response.ExpectAsync(HttpStatusCode.Accepted);
        var ids = Enumerable.Range(0, 200).Select(i => $"retried_{i:D3}").ToList();

        // Each writer holds a plug batch before the store while the ids queue behind it, A ascending, B descending.
        var plugsGo = new TaskCompletionSource();
        var plugs = new[] { await HeldAsync(portal.A, url, "plug_a", plugsGo.Task), await HeldAsync(portal.B, url, "plug_b", plugsGo.Task) };
        var onA = await QueueInOrderAsync(portal.A, url, ids);
        var onB = await QueueInOrderAsync(portal.B, url, Enumerable.Reverse(ids).ToList());

        // The plugs go; each writer takes its whole queue as its next batch, and is held again with it before the store.
        var batchesGo = new TaskCompletionSource();
        var batches = Task.WhenAll(Probe(portal.A).NextBatchTaken(batchesGo.Task), Probe(portal.B).NextBatchTaken(batchesGo.Task));
        plugsGo.SetResult();
        await batches.WaitAsync(IngestDriver.HangGuard);
        Assert.Equal(0, Ingest(portal.A).Waiting + Ingest(portal.B).Waiting);

        // Both statements then wait for the table together, and start together when it is free: as two busy instances do.
        await using (var store = await StoreLock.TakeAsync(portal.A))
        {
            batchesGo.SetResult();
            await IngestDriver.UntilAsync(async () => await store.WaitingOnWebhookEventsAsync() == 2, "both writers waiting for the table");
        }

        var all = await Task.WhenAll(plugs.Concat(onA).Concat(onB));
        var refused = all.Where(d => d.Response.StatusCode != HttpStatusCode.Accepted).ToList();
        Assert.True(refused.Count == 0, $"{refused.Count} of {all.Length} not accepted: {string.Join(", ", refused.Select(d => (int)d.Response.StatusCode).Distinct())}");
        var stored = await admin.StoredWebhookIdsAsync(integration, config);
        Assert.Equal(ids.Concat(["plug_a", "plug_b", "warm_a", "warm_b"]).Order(), stored.Order());
    }

    /// <summary>Sends the plug <paramref name="id"/> and returns (its pending answer) once the writer holds it, until <paramref name="go"/>.</summary>
    private static async Task<Task<Delivery>> HeldAsync(PortalApplication instance, string url, string id, Task go)
    {
        var taken = Probe(instance).NextBatchTaken(go);
        var plug = instance.DeliverAsync(url, id);
        await taken.WaitAsync(IngestDriver.HangGuard);
        return plug;
    }

    private static IngestWriterProbe Probe(PortalApplication instance) => instance.Services.GetRequiredService<IngestWriterProbe>();

    private static WebhookIngest Ingest(PortalApplication instance) => instance.Services.GetRequiredService<WebhookIngest>();

    /// <summary>Sends <paramref name="ids"/> to a stalled instance one after another, each in its queue before the next is sent.</summary>
    private static async Task<List<Task<Delivery>>> QueueInOrderAsync(PortalApplication instance, string url, List<string> ids)
    {
        var ingest = Ingest(instance);
        var sends = new List<Task<Delivery>>();
        foreach (var id in ids)
        {
            sends.Add(instance.DeliverAsync(url, id, BodyBytes));
            await IngestDriver.UntilAsync(() => ingest.Waiting == sends.Count, $"{id} queued");
        }

        return sends;
    }
}
