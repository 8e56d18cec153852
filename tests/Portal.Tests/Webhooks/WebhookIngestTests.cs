using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>
/// Ingest by group commit at its edges: a full queue, many deliveries at once, one <c>webhook-id</c> many times, a store
/// locked from outside. The writer is stalled deterministically: it is held before the store with one known batch
/// (<see cref="IngestWriterProbe"/>), so what waits in the queue is exactly what the test sent after it. No timing.
/// </summary>
public sealed class WebhookIngestTests(WebhookIngestTests.IngestPortal portal) : IClassFixture<WebhookIngestTests.IngestPortal>
{
    private const int Capacity = 50;

    /// <summary>One app for the class: a queue of <see cref="Capacity"/> (Portal:Ingest:QueueCapacity) and a probed writer.</summary>
    public sealed class IngestPortal : IDisposable
    {
        public PortalApplication App { get; } = new()
        {
            Settings = { ["Portal:Ingest:QueueCapacity"] = Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            TestServices = IngestWriterProbe.Install,
        };

        public WebhookIngest Ingest => App.Services.GetRequiredService<WebhookIngest>();

        internal IngestWriterProbe Probe => App.Services.GetRequiredService<IngestWriterProbe>();

        public void Dispose() => App.Dispose();
    }

    [Fact]
    public void The_queue_capacity_comes_from_configuration_and_below_one_is_refused_in_one_line()
    {
        Assert.Equal(4096, WebhookIngest.QueueCapacity);
        Assert.Equal(WebhookIngest.QueueCapacity, new WebhookIngestOptions().QueueCapacity);
        Assert.Equal(Capacity, portal.App.Services.GetRequiredService<IOptions<WebhookIngestOptions>>().Value.QueueCapacity);

        // The real portal prints this line and exits (IngestCrashSafetyTests starts it with 0); here, the rule itself.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Portal:Ingest:QueueCapacity"] = "0" }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddWebhooks().BuildServiceProvider();
        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<WebhookIngestOptions>>().Value);
        Assert.Equal("Portal:Ingest:QueueCapacity must be at least 1 (it is 0).", refused.Message);
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_Retry_After_and_nothing_acknowledged_is_lost()
    {
        using var admin = await portal.App.ClientAsync();
        var (integration, config, url) = await EndpointAsync(admin);
        const int overflow = 10;
        var ids = Enumerable.Range(0, Capacity + overflow).Select(i => $"full_{i}").ToList();
        Task<Delivery> plug;
        List<Task<Delivery>> sends;
        List<Delivery> early;

        await using (var stall = await StallWriterAsync(url))
        {
            plug = stall.Plug;
            sends = ids.Select(id => DeliverAsync(url, id)).ToList();

            // The writer is held with the plug: the queue fills, and exactly the overflow is answered at once.
            early = await FirstCompletedAsync(sends, overflow, plug);
            Assert.Equal(Capacity, portal.Ingest.Waiting);
            Assert.Equal(overflow, sends.Count(s => s.IsCompleted));
            Assert.False(plug.IsCompleted, "the plug was answered before its batch could be committed");
        }

        foreach (var delivery in early)
        {
            var response = delivery.Response;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
            var problem = await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Contains("nothing was stored", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains("Retry-After", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.EndsWith("/{key}", problem["instance"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.DoesNotContain(KeyOf(url), problem.ToJsonString(), StringComparison.Ordinal);
        }

        var all = await Task.WhenAll(sends.Append(plug));
        var accepted = all.Where(d => d.Response.StatusCode == HttpStatusCode.Accepted).Select(d => d.WebhookId).ToList();
        var refused = all.Where(d => d.Response.StatusCode == HttpStatusCode.ServiceUnavailable).Select(d => d.WebhookId).ToList();
        Assert.Equal(all.Length, accepted.Count + refused.Count);
        Assert.Equal(early.Select(d => d.WebhookId).Order(), refused.Order());
        Assert.Equal(Capacity + 1, accepted.Count); // the plug and a full queue

        var stored = await admin.StoredWebhookIdsAsync(integration, config);
        Assert.Equal(accepted.Append("warm").Order(), stored.Order()); // each acknowledged one exactly once, no refused one
    }

    /// <summary>
    /// Another process holds SQLite's write lock for longer than a writer waits (its busy timeout, 10 s): the deliveries
    /// waiting are told to retry (503, Retry-After), nothing is stored, and no batch is retried event by event (which
    /// made each sender wait another 10 s and ended in a 500). SQLite only: on PostgreSQL a lock makes inserts wait.
    /// </summary>
    [Fact]
    [Trait("Category", "SqliteOnly")]
    public async Task A_store_locked_longer_than_a_writer_waits_answers_503_with_Retry_After_and_stores_nothing()
    {
        using var admin = await portal.App.ClientAsync();
        var (integration, config, url) = await EndpointAsync(admin);
        Delivery[] answered;
        await using (await StoreLock.TakeAsync(portal.App))
        {
            answered = await Task.WhenAll(new[] { "locked_1", "locked_2", "locked_3" }.Select(id => DeliverAsync(url, id))).WaitAsync(IngestDriver.HangGuard);
        }

        foreach (var delivery in answered)
        {
            var problem = await delivery.Response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal(TimeSpan.FromSeconds(1), delivery.Response.Headers.RetryAfter?.Delta);
            Assert.Contains("nothing was stored", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // The lock is gone: the sender's retry is stored, once.
        Assert.Equal(HttpStatusCode.Accepted, (await DeliverAsync(url, "locked_1")).Response.StatusCode);
        var stored = await admin.StoredWebhookIdsAsync(integration, config);
        Assert.Equal(new[] { "locked_1", "warm" }, stored.Order());
    }

    [Fact]
    public async Task Fifty_deliveries_of_one_webhook_id_at_once_are_all_accepted_and_stored_once()
    {
        using var admin = await portal.App.ClientAsync();
        var (integration, config, url) = await EndpointAsync(admin);

        var all = await QueuedTogetherAsync(url, Enumerable.Repeat("same_id", Capacity).ToList());

        Assert.All(all, d => Assert.Equal(HttpStatusCode.Accepted, d.Response.StatusCode));
        var stored = await admin.StoredWebhookIdsAsync(integration, config);
        Assert.Equal(1, stored.Count(id => id == "same_id"));
        Assert.Equal(new[] { "plug", "same_id", "warm" }, stored.Order());
    }

    [Fact]
    public async Task Fifty_distinct_deliveries_at_once_are_all_accepted_and_stored()
    {
        using var admin = await portal.App.ClientAsync();
        var (integration, config, url) = await EndpointAsync(admin);
        var ids = Enumerable.Range(0, Capacity).Select(i => $"distinct_{i}").ToList();

        var all = await QueuedTogetherAsync(url, ids);

        Assert.All(all, d => Assert.Equal(HttpStatusCode.Accepted, d.Response.StatusCode));
        var stored = await admin.StoredWebhookIdsAsync(integration, config);
        Assert.Equal(ids.Append("plug").Append("warm").Order(), stored.Order());
    }

    /// <summary>
    /// Sends <paramref name="ids"/> at once while the writer is held with the plug, waits until every one of them is
    /// in the queue, then lets the plug go: the writer takes them all in one batch (one statement, one commit), checked.
    /// </summary>
    private async Task<Delivery[]> QueuedTogetherAsync(string url, List<string> ids)
    {
        Task<Delivery> plug;
        List<Task<Delivery>> sends;
        var go = new TaskCompletionSource();
        Task taken;
        await using (var stall = await StallWriterAsync(url))
        {
            plug = stall.Plug;
            sends = ids.Select(id => DeliverAsync(url, id)).ToList();
            await IngestDriver.UntilAsync(() => portal.Ingest.Waiting == ids.Count, $"{ids.Count} deliveries waiting in the queue");
            Assert.DoesNotContain(sends.Append(plug), s => s.IsCompleted); // nothing acknowledged while the writer is held
            taken = portal.Probe.NextBatchTaken(go.Task); // the batch after the plug, held before the store until checked
        }

        Assert.Equal(HttpStatusCode.Accepted, (await plug).Response.StatusCode);
        await taken.WaitAsync(IngestDriver.HangGuard);
        Assert.Equal(0, portal.Ingest.Waiting); // it left nothing in the queue: it is all of them
        go.SetResult();
        return await Task.WhenAll(sends);
    }

    /// <summary>An integration, a config, its webhook URL, and one delivery ("warm") so its key and route are in memory.</summary>
    private async Task<(string Integration, string Config, string Url)> EndpointAsync(HttpClient admin)
    {
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);
        await (await DeliverAsync(url, "warm")).Response.ExpectAsync(HttpStatusCode.Accepted);
        return (integration, config, url);
    }

    private Task<Delivery> DeliverAsync(string url, string webhookId) => portal.App.DeliverAsync(url, webhookId);

    private Task<WriterStall> StallWriterAsync(string url) => portal.App.StallWriterAsync(url, "plug");

    /// <summary>Waits for the first <paramref name="count"/> of <paramref name="sends"/> to complete and returns them.</summary>
    private async Task<List<Delivery>> FirstCompletedAsync(List<Task<Delivery>> sends, int count, Task<Delivery> plug)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (sends.Count(s => s.IsCompleted) < count)
        {
            try
            {
                if (waited.Elapsed > IngestDriver.HangGuard)
                {
                    throw new TimeoutException();
                }

                // In short slices: a send that completes between the count above and this line is not among those waited
                // on, and a single wait on the rest (the held ones) would then last the whole hang guard.
                await Task.WhenAny(Task.WhenAny(sends.Where(s => !s.IsCompleted)), Task.Delay(TimeSpan.FromMilliseconds(100)));
            }
            catch (TimeoutException)
            {
                // Say what the queue and the answers looked like: a hang here must explain itself.
                var answered = sends.Where(s => s.IsCompletedSuccessfully).GroupBy(s => (int)s.Result.Response.StatusCode).Select(g => $"{g.Count()}×{g.Key}");
                throw new TimeoutException($"{sends.Count(s => s.IsCompleted)} of {sends.Count} deliveries answered after {IngestDriver.HangGuard} " +
                    $"({string.Join(", ", answered)}; {sends.Count(s => s.IsFaulted)} faulted), waiting: {portal.Ingest.Waiting}, expected {count} answered; " +
                    $"the plug: {(plug.IsCompletedSuccessfully ? ((int)plug.Result.Response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : plug.Status.ToString())}.");
            }
        }

        return sends.Where(s => s.IsCompleted).Select(s => s.Result).ToList();
    }
}
