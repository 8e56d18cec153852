using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Portal.Core.Keys;

namespace Portal.Bench;

/// <summary>
/// One run, two measurements (issue 4, DESIGN.md "Performance budgets"):
/// 1. the key check of an inbound request at 1,000 and 1,000,000 stored keys (BenchmarkDotNet, plus a per-call latency pass for p50/p99);
/// 2. inbound webhook ingest: a bare Kestrel 202 endpoint and the real Portal receiver, driven by the same load loop.
/// Ends with a short table. See bench/README.md.
/// </summary>
public static class BenchMain
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [BareServer.Mode])
        {
            await BareServer.RunAsync();
            return 0;
        }

        var options = BenchOptions.Parse(args);
        var total = Stopwatch.StartNew();
        Console.WriteLine($"Portal.Bench: {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, {Configuration}; cache {options.CacheDirectory}");

        var keyRows = new List<KeyRow>();
        if (!options.SkipKeys)
        {
            keyRows = RunKeyCheck(options);
        }

        var ingest = new List<LoadResult>();
        var ingestNote = "";
        if (!options.SkipIngest)
        {
            (ingest, ingestNote) = await RunIngestAsync(options);
        }

        var summary = Summary(options, keyRows, ingest, ingestNote, total.Elapsed);
        Console.WriteLine();
        Console.WriteLine(summary);
        Directory.CreateDirectory(options.CacheDirectory);
        await File.WriteAllTextAsync(Path.Combine(options.CacheDirectory, "last-summary.md"), summary);
        return 0;
    }

    private const string Configuration =
#if DEBUG
        "Debug build (numbers are not meaningful; use bench/run.sh)";
#else
        "Release build";
#endif

    private sealed record KeyRow(int Keys, double ValidMeanUs, double UnknownMeanUs, LatencySummary Valid, LatencySummary Unknown);

    private static List<KeyRow> RunKeyCheck(BenchOptions options)
    {
        Console.WriteLine($"[keys] stores of {string.Join(" and ", options.KeyCounts.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} keys");
        var stores = options.KeyCounts.ToDictionary(n => n, n => KeyStore.Open(n, options.CacheDirectory));

        KeyCheckBenchmarks.Sizes = options.KeyCounts;
        KeyCheckBenchmarks.CacheDirectory = options.CacheDirectory;
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(options.Quick ? 2 : 5)
            .WithIterationCount(options.Quick ? 5 : 20)
            .WithId("KeyCheck");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.P95)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(Path.Combine(options.CacheDirectory, "BenchmarkDotNet.Artifacts"));
#if DEBUG
        config = config.WithOptions(ConfigOptions.DisableOptimizationsValidator);
#endif
        var summary = BenchmarkRunner.Run<KeyCheckBenchmarks>(config);

        double MeanUs(int n, string method) => summary.Reports
            .Where(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method && Equals(r.BenchmarkCase.Parameters["N"], n))
            .Select(r => r.ResultStatistics?.Mean / 1000.0 ?? double.NaN)
            .DefaultIfEmpty(double.NaN).First();

        // BenchmarkDotNet reports the mean of iterations; tails need each call timed on its own. The sizes are
        // interleaved call by call, so both see the same background load of the shared machine.
        var perCall = PerCallLatency([.. options.KeyCounts.Select(n => stores[n])], options.Quick ? 2_000 : 10_000);
        var rows = new List<KeyRow>();
        foreach (var n in options.KeyCounts)
        {
            var (valid, unknown) = perCall[n];
            rows.Add(new KeyRow(n, MeanUs(n, nameof(KeyCheckBenchmarks.CheckValid)), MeanUs(n, nameof(KeyCheckBenchmarks.CheckUnknown)), valid, unknown));
            foreach (var (what, l) in new[] { ("valid", valid), ("unknown", unknown) })
            {
                Console.WriteLine($"[keys] per-call CheckAsync, {what} key, {n:N0} keys: mean {l.MeanMs * 1000:F1} µs, p50 {l.P50Ms * 1000:F1} µs, p99 {l.P99Ms * 1000:F1} µs ({l.Count:N0} calls)");
            }
        }

        return rows;
    }

    /// <summary>Valid and unknown-key checks, one of each per size per round, sizes alternating which goes first.</summary>
    private static Dictionary<int, (LatencySummary Valid, LatencySummary Unknown)> PerCallLatency(IReadOnlyList<KeyStore> stores, int calls)
    {
        const int warmup = 1_000;
        var engines = stores.Select(KeyCheckBenchmarks.Engine).ToList();
        var unknownKey = SecretFormat.Mint(KeyPrefixes.WebhookKey).Value;
        try
        {
            var valid = stores.Select(_ => new long[calls]).ToList();
            var unknown = stores.Select(_ => new long[calls]).ToList();
            for (var round = 0; round < warmup + calls; round++)
            {
                for (var j = 0; j < stores.Count; j++)
                {
                    var s = (round + j) % stores.Count;
                    var key = stores[s].Keys[round % stores[s].Keys.Count];
                    var (validTicks, validOutcome) = Time(engines[s].Engine, key.Value, key.Owner);
                    var (unknownTicks, unknownOutcome) = Time(engines[s].Engine, unknownKey, null);
                    if (validOutcome != KeyCheckOutcome.Valid || unknownOutcome != KeyCheckOutcome.Unknown)
                    {
                        throw new InvalidOperationException($"Unexpected outcomes {validOutcome}/{unknownOutcome}");
                    }

                    if (round >= warmup)
                    {
                        valid[s][round - warmup] = validTicks;
                        unknown[s][round - warmup] = unknownTicks;
                    }
                }
            }

            return stores.Select((store, s) => (store.Count, Result: (LatencySummary.Of(valid[s]), LatencySummary.Of(unknown[s]))))
                .ToDictionary(x => x.Count, x => x.Result);
        }
        finally
        {
            foreach (var (services, _) in engines)
            {
                services.Dispose();
            }
        }

        static (long Ticks, KeyCheckOutcome Outcome) Time(KeyEngine engine, string key, KeyOwner? owner)
        {
            var started = Stopwatch.GetTimestamp();
            var result = engine.CheckAsync(KeyKind.WebhookKey, KeyStore.Tenant, key, owner, "127.0.0.1").GetAwaiter().GetResult();
            return (Stopwatch.GetTimestamp() - started, result.Outcome);
        }
    }

    private static async Task<(List<LoadResult> Results, string Note)> RunIngestAsync(BenchOptions options)
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

    private static string Summary(BenchOptions options, List<KeyRow> keys, List<LoadResult> ingest, string ingestNote, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"## Portal.Bench summary ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {Configuration}, {elapsed.TotalSeconds:F0} s)");
        if (keys.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Key check, `KeyEngine.CheckAsync(WebhookKey, …)` on SQLite. A valid key: lookup by hash through the unique index, compare, last-used write; an unknown key: the lookup only. BDN mean = BenchmarkDotNet; mean/p50/p99: each call timed, both sizes interleaved call by call:");
            sb.AppendLine();
            sb.AppendLine("| stored keys | presented key | BDN mean | mean | p50 | p99 |");
            sb.AppendLine("|---:|---|---:|---:|---:|---:|");
            foreach (var k in keys)
            {
                sb.AppendLine(inv, $"| {k.Keys:N0} | valid | {k.ValidMeanUs:F0} µs | {Us(k.Valid.MeanMs)} | {Us(k.Valid.P50Ms)} | {Us(k.Valid.P99Ms)} |");
                sb.AppendLine(inv, $"| {k.Keys:N0} | unknown | {k.UnknownMeanUs:F0} µs | {Us(k.Unknown.MeanMs)} | {Us(k.Unknown.P50Ms)} | {Us(k.Unknown.P99Ms)} |");
            }

            if (keys.Count >= 2)
            {
                var (small, large) = (keys[0], keys[^1]);
                sb.AppendLine();
                sb.AppendLine(inv, $"Ratio {large.Keys:N0} / {small.Keys:N0} keys (budget: O(1), about 1×): valid key mean {large.Valid.MeanMs / small.Valid.MeanMs:F2}×, p50 {large.Valid.P50Ms / small.Valid.P50Ms:F2}×, p99 {large.Valid.P99Ms / small.Valid.P99Ms:F2}×; unknown key mean {large.Unknown.MeanMs / small.Unknown.MeanMs:F2}×, p50 {large.Unknown.P50Ms / small.Unknown.P50Ms:F2}×, p99 {large.Unknown.P99Ms / small.Unknown.P99Ms:F2}×; BDN means {large.ValidMeanUs / small.ValidMeanUs:F2}× and {large.UnknownMeanUs / small.UnknownMeanUs:F2}×.");
            }
        }

        if (ingest.Count > 0 || ingestNote.Length > 0)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"Inbound webhook ingest, loopback, one HttpClient with {options.Concurrency} concurrent senders, a ~100-byte JSON event with a unique webhook-id per request; {options.IngestSeconds} s measured per endpoint in alternating slices of up to 2 s, after {options.IngestWarmupSeconds} s warm-up:");
            sb.AppendLine();
            sb.AppendLine("| endpoint | req/s | p50 | p99 | non-202 |");
            sb.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var r in ingest)
            {
                sb.AppendLine(inv, $"| {r.Name} | {r.RequestsPerSecond:F0} | {r.Latency.P50Ms:F2} ms | {r.Latency.P99Ms:F2} ms | {r.Failed} |");
            }

            sb.AppendLine();
            if (ingest.Count >= 2)
            {
                var (bare, portal) = (ingest[0], ingest[1]);
                var ratio = bare.RequestsPerSecond / portal.RequestsPerSecond;
                sb.AppendLine(inv, $"Ratio bare / Portal throughput: {ratio:F2}× (budget: within 3×, {(ratio <= 3 ? "met" : "NOT met")}); p99 {portal.Latency.P99Ms / bare.Latency.P99Ms:F2}×.");
            }
            else
            {
                sb.AppendLine(ingestNote);
            }
        }

        return sb.ToString();

        string Us(double ms) => (ms * 1000).ToString("F0", inv) + " µs";
    }
}
