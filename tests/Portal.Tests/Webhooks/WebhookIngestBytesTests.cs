using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Webhooks;

/// <summary>
/// The ingest queue is bounded by body bytes too (<c>Portal:Ingest:QueueBytes</c>): a burst of large bodies answers 503
/// before it fills memory, and what was admitted is stored. The writer is stalled as in <see cref="WebhookIngestTests"/>.
/// </summary>
public sealed class WebhookIngestBytesTests : IDisposable
{
    private const int Body = 900_000;

    private readonly PortalApplication _app = new()
    {
        Settings = { ["Portal:Ingest:QueueBytes"] = "2000000" },
        TestServices = IngestWriterProbe.Install,
    };

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Large_bodies_beyond_the_byte_budget_are_refused_with_503_and_the_admitted_ones_are_stored()
    {
        using var admin = await _app.ClientAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);
        var ingest = _app.Services.GetRequiredService<WebhookIngest>();
        Task<Delivery> plug;
        List<Task<Delivery>> sends;
        await using (var stall = await _app.StallWriterAsync(url, "plug"))
        {
            plug = stall.Plug;
            sends = new[] { "big_1", "big_2", "big_3" }.Select(id => _app.DeliverAsync(url, id, Body)).ToList();

            // Two bodies of 0.9 MB fit a 2 MB budget, the third does not: it is answered at once, while the writer is held.
            var refused = await Task.WhenAny(sends).WaitAsync(IngestDriver.HangGuard);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await refused).Response.StatusCode);
            await IngestDriver.UntilAsync(() => ingest.Waiting == 2, "two large bodies queued");
            Assert.Equal(1, sends.Count(s => s.IsCompleted));
            Assert.InRange(ingest.QueuedBytes, 2L * Body, 2_000_000);
        }

        var all = await Task.WhenAll(sends.Append(plug));
        var accepted = all.Where(d => d.Response.StatusCode == HttpStatusCode.Accepted).Select(d => d.WebhookId).ToList();
        Assert.Equal(3, accepted.Count); // the plug and two large bodies
        Assert.Equal(accepted.Order(), (await admin.StoredWebhookIdsAsync(integration, config)).Order());
        Assert.Equal(0, ingest.QueuedBytes); // nothing held once everything was answered
    }
}
