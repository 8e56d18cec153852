using System.Diagnostics;

namespace Portal.Bench;

/// <summary>Measurement 2: inbound webhook ingest, a bare Kestrel endpoint and the real Portal receiver (on SQLite, then on PostgreSQL) driven by the same load loop.</summary>
internal static class IngestRun
{
    public const string BareName = "bare Kestrel `POST /hook` → 202";

    public static async Task<(List<LoadResult> Results, List<string> Notes, List<string> Mcp)> RunAsync(BenchOptions options, BenchPostgres postgres)
    {
        var (self, selfArgs) = Self();
        using var bare = ChildProcess.Start(self, [.. selfArgs, BareServer.Mode], AppContext.BaseDirectory, markerPrefix: BareServer.ListeningMarker);
        var bareAddress = await bare.WaitForMarkerAsync(TimeSpan.FromSeconds(60));
        using var bareLoad = new LoadLoop(BareName, new Uri(new Uri(bareAddress), "/hook"), options.Concurrency);
        var loads = new List<LoadLoop> { bareLoad };
        var notes = new List<string>();
        var portals = new List<PortalServer>();
        var served = new Dictionary<LoadLoop, (PortalServer Portal, string Store)>();
        var mcp = new List<string>();

        var dll = PortalServer.FindPortalDll(options.PortalDll);
        if (dll is null)
        {
            notes.Add("Portal part skipped: Portal.dll not found (build src/Portal, or pass --portal-dll).");
        }
        else
        {
            await AddPortalAsync("SQLite", null);
            if (postgres.Available)
            {
                await AddPortalAsync("PostgreSQL", postgres.ConnectionString("bench_ingest"));
            }
            else
            {
                notes.Add($"Portal on PostgreSQL skipped: {postgres.SkipReason}");
            }
        }

        async Task AddPortalAsync(string store, string? connectionString)
        {
            Console.WriteLine($"[ingest] Portal on {store}: starting {dll}");
            try
            {
                var portal = await PortalServer.StartAsync(dll!, connectionString);
                portals.Add(portal);
                var (url, reason) = await portal.CreateWebhookUrlAsync();
                if (url is null)
                {
                    notes.Add($"Portal on {store} skipped: {reason}.");
                }
                else
                {
                    var load = new LoadLoop($"Portal on {store} `POST /webhooks/{{tenant}}/{{integration}}/{{key}}`", url, options.Concurrency);
                    loads.Add(load);
                    served[load] = (portal, store);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException)
            {
                notes.Add($"Portal on {store} FAILED: {e.Message.Split('\n')[0]}");
            }
        }

        foreach (var note in notes)
        {
            Console.WriteLine($"[ingest] {note}");
        }

        try
        {
            // Warm-up each, then alternate slices of at most 2 s (order flipped each round) until each endpoint has had
            // the measured duration: both see the same background load, which on a shared machine moves by the minute.
            foreach (var load in loads)
            {
                Console.WriteLine($"[ingest] warm-up {options.IngestWarmupSeconds} s: {load.Name}");
                await load.RunAsync(TimeSpan.FromSeconds(options.IngestWarmupSeconds), record: false);
            }

            var rounds = (int)Math.Ceiling(options.IngestSeconds / 2.0);
            var slice = TimeSpan.FromSeconds((double)options.IngestSeconds / rounds);
            Console.WriteLine($"[ingest] measuring: {options.Concurrency} senders, {rounds} alternating slices of {slice.TotalSeconds:F1} s per endpoint");
            // Where the time goes: the server's CPU (user and kernel) over the measured slices, per request, and the Portal
            // writer's batches in them. The load loop runs in this process and is not counted.
            var cpu = loads.ToDictionary(l => l, _ => TimeSpan.Zero);
            var batches = new Dictionary<LoadLoop, (long Batches, long Events)>();
            TimeSpan CpuOf(LoadLoop load) => served.TryGetValue(load, out var p) ? p.Portal.CpuTime : bare.CpuTime;
            for (var round = 0; round < rounds; round++)
            {
                foreach (var load in round % 2 == 0 ? loads : Enumerable.Reverse(loads))
                {
                    var before = CpuOf(load);
                    var batchesBefore = served.TryGetValue(load, out var p) ? await p.Portal.IngestBatchesAsync() : null;
                    await load.RunAsync(slice, record: true);
                    cpu[load] += CpuOf(load) - before;
                    if (batchesBefore is { } b0 && await p!.Portal.IngestBatchesAsync() is { } b1)
                    {
                        var seen = batches.GetValueOrDefault(load);
                        batches[load] = (seen.Batches + b1.Batches - b0.Batches, seen.Events + b1.Events - b0.Events);
                    }
                }
            }

            var results = new List<LoadResult>();
            foreach (var load in loads)
            {
                var r = load.Result();
                if (served.TryGetValue(load, out var p))
                {
                    // Every acknowledged delivery must be in the store: count after the load (the first probe delivery included, so minus one).
                    r = r with { StoredTotal = await p.Portal.CountStoredEventsAsync() - 1 };
                }

                r = r with
                {
                    CpuMicrosecondsPerRequest = r.Accepted > 0 ? cpu[load].TotalMicroseconds / r.Accepted : null,
                    MeanBatch = batches.TryGetValue(load, out var b) && b.Batches > 0 ? (double)b.Events / b.Batches : null,
                };
                results.Add(r);
                Console.WriteLine(
                    $"[ingest] {r.Name}: {r.RequestsPerSecond:F0} req/s, p50 {r.Latency.P50Ms:F2} ms, p99 {r.Latency.P99Ms:F2} ms, statuses {string.Join(", ", r.Statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}"))}{(r.StoredTotal is { } stored ? $", acked {r.AckedTotal:N0} vs stored {stored:N0}" : "")}" +
                    $"{(r.CpuMicrosecondsPerRequest is { } us ? $", server CPU {us:F0} µs per request" : "")}{(r.MeanBatch is { } mb ? $", mean batch {mb:F1}" : "")}");
            }

            if (served.Count > 0 && results.FirstOrDefault(r => r.Name == BareName) is { } bareResult)
            {
                // The physics of the goal: each sender waits for a durable commit before its next request.
                var commit = DurableCommit.Measure();
                var ceiling = options.Concurrency / ((commit.P50Ms + bareResult.Latency.P50Ms) / 1000);
                var line = $"- ceiling: a durable commit on this disk (SQLite WAL, synchronous=FULL, one row) takes p50 {commit.P50Ms:F2} ms, p99 {commit.P99Ms:F2} ms; " +
                    $"{options.Concurrency} senders that each wait for one before their next request, plus the bare round trip (p50 {bareResult.Latency.P50Ms:F2} ms), " +
                    $"complete at most {ceiling:F0} req/s = {100 * ceiling / bareResult.RequestsPerSecond:F1} % of bare, however the receiver is built.";
                Console.WriteLine($"[ingest] {line[2..]}");
                mcp.Add(line);
            }

            foreach (var (portal, store) in served.Values)
            {
                var latency = await McpRun.RunAsync(portal, store, options.Quick ? 1_000 : 5_000);
                mcp.Add($"- {(latency.P99Ms < McpRun.GoalP99Ms ? "met" : "NOT met")}: MCP `tools/list` on the sandbox endpoint over loopback HTTP, Portal on {store}: p50 {latency.P50Ms:F2} ms, p99 {latency.P99Ms:F2} ms (goal p99 < {McpRun.GoalP99Ms} ms; {latency.Count:N0} calls one at a time).");
            }

            return (results, notes, mcp);
        }
        finally
        {
            foreach (var load in loads.Skip(1))
            {
                load.Dispose();
            }

            foreach (var portal in portals)
            {
                portal.Dispose();
            }
        }
    }

    /// <summary>How to start this program again as a child process.</summary>
    private static (string File, string[] Args) Self()
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var assembly = typeof(BenchMain).Assembly.Location;
        return Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? (processPath, [assembly])
            : (processPath, []);
    }
}
