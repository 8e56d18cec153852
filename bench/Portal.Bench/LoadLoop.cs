using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Portal.Bench;

public sealed record LoadResult(string Name, int Concurrency, double Seconds, long Accepted, long Failed, IReadOnlyDictionary<int, long> Statuses, LatencySummary Latency)
{
    public double RequestsPerSecond => Accepted / Seconds;

    /// <summary>Every 202 the endpoint gave in the whole run (warm-up and slice edges included).</summary>
    public long AckedTotal { get; init; }

    /// <summary>Events of the run found in the store afterwards (null: not counted, e.g. the bare endpoint).</summary>
    public long? StoredTotal { get; init; }

    /// <summary>The server process's CPU time (user and kernel) over the measured slices, per accepted request.</summary>
    public double? CpuMicrosecondsPerRequest { get; init; }

    /// <summary>Events per ingest transaction over the measured slices (the Portal only).</summary>
    public double? MeanBatch { get; init; }
}

/// <summary>
/// The one load loop every endpoint is driven with: <c>concurrency</c> senders on one HttpClient, each POSTing a small
/// JSON event with a unique <c>webhook-id</c> as soon as its previous answer came back. Run in slices: unrecorded ones
/// warm up (connections, JIT, caches); recorded ones add every request that completed inside them to the result.
/// Slices of two endpoints can alternate, so both see the same background load of a shared machine.
/// </summary>
public sealed class LoadLoop(string name, Uri target, int concurrency) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        MaxConnectionsPerServer = concurrency,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = DecompressionMethods.None,
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<long> _samples = new(1 << 18);
    private readonly Dictionary<int, long> _statuses = [];
    private double _seconds;
    private long _sequence;
    private long _acked;

    public string Name => name;

    public async Task RunAsync(TimeSpan duration, bool record)
    {
        var stop = 0;
        var samples = new List<long>[concurrency];
        var statuses = new Dictionary<int, long>[concurrency];

        async Task Sender(int worker)
        {
            var mine = samples[worker] = new List<long>(1 << 14);
            var codes = statuses[worker] = [];
            while (Volatile.Read(ref stop) == 0)
            {
                var seq = Interlocked.Increment(ref _sequence);
                var body = $$$"""{"type":"invoice.paid","id":"evt_{{{_run}}}_{{{seq}}}","data":{"amount":1234,"currency":"EUR"}}""";
                using var request = new HttpRequestMessage(HttpMethod.Post, target)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.TryAddWithoutValidation("webhook-id", $"msg_{_run}_{seq}");
                request.Headers.TryAddWithoutValidation("webhook-timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
                var started = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    status = (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    status = 0; // connection refused or reset
                }
                catch (TaskCanceledException)
                {
                    status = -1; // client timeout
                }

                var elapsed = Stopwatch.GetTimestamp() - started;
                if (status == 202)
                {
                    Interlocked.Increment(ref _acked);
                }

                if (Volatile.Read(ref stop) == 0)
                {
                    mine.Add(elapsed);
                    codes[status] = codes.GetValueOrDefault(status) + 1;
                }
            }
        }

        var window = Stopwatch.StartNew();
        var senders = Enumerable.Range(0, concurrency).Select(w => Task.Run(() => Sender(w))).ToArray();
        await Task.Delay(duration);
        Volatile.Write(ref stop, 1);
        var seconds = window.Elapsed.TotalSeconds;
        await Task.WhenAll(senders);
        if (!record)
        {
            return;
        }

        _seconds += seconds;
        foreach (var s in samples)
        {
            _samples.AddRange(s);
        }

        foreach (var (code, count) in statuses.SelectMany(d => d))
        {
            _statuses[code] = _statuses.GetValueOrDefault(code) + count;
        }
    }

    public LoadResult Result()
    {
        var accepted = _statuses.GetValueOrDefault(202);
        var failed = _statuses.Where(kv => kv.Key != 202).Sum(kv => kv.Value);
        return new LoadResult(name, concurrency, _seconds, accepted, failed, new Dictionary<int, long>(_statuses), LatencySummary.Of(_samples)) { AckedTotal = Interlocked.Read(ref _acked) };
    }

    public void Dispose() => _client.Dispose();
}
