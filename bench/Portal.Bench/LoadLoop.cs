using System.Diagnostics;
using System.Net;
using System.Text;

namespace Portal.Bench;

public sealed record LoadResult(string Name, int Concurrency, double Seconds, long Accepted, long Failed, IReadOnlyDictionary<int, long> Statuses, LatencySummary Latency)
{
    public double RequestsPerSecond => Accepted / Seconds;
}

/// <summary>
/// The one load loop both endpoints are driven with: <c>concurrency</c> senders on one HttpClient, each POSTing a small
/// JSON event with a unique <c>webhook-id</c> as fast as answers come back. A warm-up period (connections, JIT, caches)
/// is sent but not counted; then every request that completes within the measured window is timed.
/// </summary>
public static class LoadLoop
{
    public static async Task<LoadResult> RunAsync(string name, Uri target, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var run = Guid.NewGuid().ToString("N")[..8];
        var measuring = 0;
        var stop = 0;
        var samples = new List<long>[concurrency];
        var statuses = new Dictionary<int, long>[concurrency];

        async Task Sender(int worker)
        {
            var mine = samples[worker] = new List<long>(1 << 16);
            var codes = statuses[worker] = [];
            for (var seq = 0L; Volatile.Read(ref stop) == 0; seq++)
            {
                var body = $$$"""{"type":"invoice.paid","id":"evt_{{{run}}}_{{{worker}}}_{{{seq}}}","data":{"amount":1234,"currency":"EUR"}}""";
                using var request = new HttpRequestMessage(HttpMethod.Post, target)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.TryAddWithoutValidation("webhook-id", $"msg_{run}_{worker}_{seq}");
                request.Headers.TryAddWithoutValidation("webhook-timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                var counted = Volatile.Read(ref measuring) == 1;
                var started = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    status = (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    status = 0;
                }
                catch (TaskCanceledException)
                {
                    status = -1; // client timeout
                }

                var elapsed = Stopwatch.GetTimestamp() - started;
                if (counted && Volatile.Read(ref measuring) == 1)
                {
                    mine.Add(elapsed);
                    codes[status] = codes.GetValueOrDefault(status) + 1;
                }
            }
        }

        var senders = Enumerable.Range(0, concurrency).Select(w => Task.Run(() => Sender(w))).ToArray();
        await Task.Delay(warmup);
        var window = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, 0);
        var seconds = window.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(senders);

        var merged = statuses.SelectMany(d => d).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
        var accepted = merged.GetValueOrDefault(202);
        var failed = merged.Where(kv => kv.Key != 202).Sum(kv => kv.Value);
        return new LoadResult(name, concurrency, seconds, accepted, failed, merged, LatencySummary.Of(samples.SelectMany(s => s).ToList()));
    }
}
