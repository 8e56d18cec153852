using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Hosting;

/// <summary>
/// Issue 18, "OpenTelemetry": traces and metrics of a real request, as an exporter receives them (OpenTelemetry's
/// in-memory exporter added next to the app's own), and the Prometheus scrape. "The key in a webhook URL never reaches a
/// span, a metric tag or a log."
/// </summary>
public sealed class TelemetryTests : IDisposable
{
    // Activity and meter listeners are global to the test process: spans and measurements of other test classes' apps
    // arrive here too, from other threads. Locked lists, read as snapshots; this test's own spans are found by trace id.
    private readonly LockedList<Activity> _spans = new();
    private readonly LockedList<Metric> _metrics = new();
    private readonly PortalApplication _app;

    public TelemetryTests()
    {
        _app = new PortalApplication
        {
            Settings = { ["Portal:Metrics:Prometheus"] = "true", ["Portal:Telemetry:Traces"] = "true" },
            TestServices = services => services.AddOpenTelemetry()
                .WithTracing(t => t.AddInMemoryExporter(_spans))
                .WithMetrics(m => m.AddInMemoryExporter(_metrics)),
        };
    }

    [Fact]
    public async Task A_webhook_delivery_is_traced_and_counted_and_its_key_is_in_no_span_metric_or_scrape()
    {
        using var admin = await _app.ClientAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);
        var key = WebhookApi.KeyOf(url);
        using var http = _app.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url).PathAndQuery) { Content = JsonContent.Create(new { hello = "world" }) })
        {
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            using var accepted = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var wrong = url[..^4] + "AAAA";
        using (var refused = await http.PostAsJsonAsync(new Uri(wrong).PathAndQuery, new { hello = "world" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        var scrape = await (await http.GetAsync("/metrics")).Content.ReadAsStringAsync();
        _app.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000); // spans are exported as they end; this only waits for stragglers
        _app.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000); // collects into the in-memory exporter (the Prometheus reader, pulled, reports false here)
        Assert.NotEmpty(_metrics.Snapshot());

        // Traced: the delivery's request span, by its route, with the path redacted; and the store's spans under it.
        var spans = _spans.Snapshot();
        var delivery = Assert.Single(spans, s => s.TraceId == traceId && s.Kind == ActivityKind.Server);
        Assert.Equal("/webhooks/{tenant}/{integration}/{key}", delivery.GetTagItem("http.route"));
        Assert.Equal(202, delivery.GetTagItem("http.response.status_code"));
        Assert.EndsWith("/{key}", (string)delivery.GetTagItem("url.path")!, StringComparison.Ordinal);
        Assert.Contains(spans, s => s.Source.Name.Contains("EntityFrameworkCore", StringComparison.Ordinal)); // the store's commands are traced too

        // Counted: the portal's own meter.
        Assert.True(Sum("portal.key.checks", ("kind", "webhook_key"), ("outcome", "valid")) >= 1);
        Assert.True(Sum("portal.key.checks", ("kind", "webhook_key"), ("outcome", "malformed")) >= 1); // its checksum fails: refused without a lookup
        Assert.True(Sum("portal.ingest.deliveries", ("outcome", "stored")) >= 1);
        Assert.True(Sum("portal.key.issued", ("kind", "webhook_key"), ("mode", "mint")) >= 1);
        Assert.Contains("portal_key_checks", scrape, StringComparison.Ordinal);
        Assert.Contains("portal_ingest_queue_depth", scrape, StringComparison.Ordinal);
        Assert.Contains("dotnet_jit_compiled_methods", scrape, StringComparison.Ordinal); // the runtime's meter: GC, JIT, thread pool
        Assert.Contains("dotnet_gc_collections", scrape, StringComparison.Ordinal);

        // Never the key: not in a span's name, tags or events, not in a metric's tags, not in the scrape, not in a log line.
        foreach (var secret in new[] { key, key[4..], wrong[(wrong.LastIndexOf('/') + 1)..] })
        {
            foreach (var span in spans)
            {
                var text = string.Join('\n', new[] { span.DisplayName, span.OperationName }
                    .Concat(span.TagObjects.Select(t => $"{t.Key}={t.Value}"))
                    .Concat(span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}"))));
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }

            foreach (var metric in _metrics.Snapshot())
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    foreach (var tag in point.Tags)
                    {
                        Assert.DoesNotContain(secret, $"{tag.Key}={tag.Value}", StringComparison.Ordinal);
                    }
                }
            }

            Assert.DoesNotContain(secret, scrape, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, _app.Logs.All, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_the_settings_there_is_no_metrics_endpoint_and_no_request_pays_for_a_span()
    {
        using var plain = new PortalApplication();
        Assert.Null(plain.Services.GetService<TracerProvider>()); // no OTLP endpoint, no Portal:Telemetry:Traces: nothing records spans
        using var http = plain.CreateClient();
        using var response = await http.GetAsync("/metrics");
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("portal_key_checks", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private long Sum(string name, params (string Key, string Value)[] tags)
    {
        long total = 0;
        foreach (var metric in _metrics.Snapshot().Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var pointTags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    pointTags[tag.Key] = tag.Value;
                }

                if (tags.All(t => Equals(pointTags.GetValueOrDefault(t.Key), t.Value)))
                {
                    total += point.GetSumLong();
                }
            }
        }

        return total;
    }

    public void Dispose() => _app.Dispose();

    /// <summary>A list exporters may add to from any thread while the test reads snapshots of it.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public T[] Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(T item) => Snapshot().Contains(item);

        public void CopyTo(T[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(T item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)Snapshot()).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
