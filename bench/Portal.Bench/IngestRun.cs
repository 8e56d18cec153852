using System.Diagnostics;

namespace Portal.Bench;

/// <summary>Measurement 2: inbound webhook ingest, a bare Kestrel endpoint and the real Portal receiver driven by the same load loop.</summary>
internal static class IngestRun
{
    public static async Task<(List<LoadResult> Results, string Note)> RunAsync(BenchOptions options)
    {
        var (self, selfArgs) = Self();
        using var bare = ChildProcess.Start(self, [.. selfArgs, BareServer.Mode], AppContext.BaseDirectory, markerPrefix: BareServer.ListeningMarker);
        var bareAddress = await bare.WaitForMarkerAsync(TimeSpan.FromSeconds(60));
        using var bareLoad = new LoadLoop("bare Kestrel `POST /hook` → 202", new Uri(new Uri(bareAddress), "/hook"), options.Concurrency);
        var loads = new List<LoadLoop> { bareLoad };

        var note = "";
        PortalServer? portal = null;
        LoadLoop? portalLoad = null;
        var dll = PortalServer.FindPortalDll(options.PortalDll);
        if (dll is null)
        {
            note = "Portal part skipped: Portal.dll not found (build src/Portal, or pass --portal-dll).";
        }
        else
        {
            Console.WriteLine($"[ingest] Portal: starting {dll}");
            try
            {
                portal = await PortalServer.StartAsync(dll);
                var (url, reason) = await portal.CreateWebhookUrlAsync();
                if (url is null)
                {
                    note = $"Portal part skipped: {reason}.";
                }
                else
                {
                    portalLoad = new LoadLoop("Portal `POST /webhooks/{tenant}/{integration}/{key}`", url, options.Concurrency);
                    loads.Add(portalLoad);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException)
            {
                note = $"Portal part FAILED: {e.Message.Split('\n')[0]}";
            }
        }

        if (note.Length > 0)
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
            for (var round = 0; round < rounds; round++)
            {
                foreach (var load in round % 2 == 0 ? loads : Enumerable.Reverse(loads))
                {
                    await load.RunAsync(slice, record: true);
                }
            }

            var results = loads.Select(l => l.Result()).ToList();
            foreach (var r in results)
            {
                Console.WriteLine(
                    $"[ingest] {r.Name}: {r.RequestsPerSecond:F0} req/s, p50 {r.Latency.P50Ms:F2} ms, p99 {r.Latency.P99Ms:F2} ms, statuses {string.Join(", ", r.Statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}"))}");
            }

            return (results, note);
        }
        finally
        {
            portalLoad?.Dispose();
            portal?.Dispose();
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
