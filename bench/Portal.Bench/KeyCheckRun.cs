using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;

namespace Portal.Bench;

/// <summary>Measurement 1: the key check of an inbound request at each store size (BenchmarkDotNet means, then each call timed for p50/p99).</summary>
internal static class KeyCheckRun
{
    public static (List<KeyRow> Rows, string PostgresNote) Run(BenchOptions options, BenchPostgres postgres)
    {
        Console.WriteLine($"[keys] stores of {string.Join(" and ", options.KeyCounts.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} keys");
        var stores = options.KeyCounts.Select(n => KeyStore.Open(n, options.CacheDirectory)).ToList();
        var postgresNote = "";
        if (postgres.Available)
        {
            try
            {
                stores.AddRange(options.KeyCounts.Select(n => KeyStore.OpenPostgres(n, postgres)));
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException)
            {
                postgresNote = $"PostgreSQL rows FAILED: {e.Message.Split('\n')[0]}";
                stores.RemoveAll(s => s.Provider == Portal.Core.Data.StoreProvider.Postgres);
            }
        }
        else
        {
            postgresNote = $"PostgreSQL rows skipped: {postgres.SkipReason}";
        }

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
        // The PostgreSQL stores take part in the same pass, interleaved with the SQLite ones (BenchmarkDotNet: SQLite only).
        var perCall = PerCallLatency(stores, options.Quick ? 10_000 : 100_000);
        var rows = new List<KeyRow>();
        for (var i = 0; i < stores.Count; i++)
        {
            var (n, store) = (stores[i].Count, stores[i]);
            var (valid, unknown, cacheBytes) = perCall[i];
            var sqlite = store.Provider == Portal.Core.Data.StoreProvider.Sqlite;
            rows.Add(new KeyRow(store.StoreName, n, sqlite ? MeanUs(n, nameof(KeyCheckBenchmarks.CheckValid)) : double.NaN, sqlite ? MeanUs(n, nameof(KeyCheckBenchmarks.CheckUnknown)) : double.NaN, valid, unknown, sqlite ? cacheBytes : double.NaN));
            foreach (var (what, l) in new[] { ("valid", valid), ("unknown", unknown) })
            {
                Console.WriteLine($"[keys] per-call CheckAsync on {store.StoreName}, {what} key, {n:N0} keys, all held in the key cache: mean {l.MeanMs * 1000:F2} µs, p50 {l.P50Ms * 1000:F1} µs, p99 {l.P99Ms * 1000:F1} µs ({l.Count:N0} calls)");
            }
        }

        return (rows, postgresNote);
    }

    /// <summary>
    /// Fills the engine's key cache with every key of the store, as a long-running instance's cache is once each key has
    /// been presented (each row read once, streamed, then kept only by the cache), and returns the managed memory it took.
    /// </summary>
    private static double Fill(ServiceProvider services, KeyStore store)
    {
        var cache = services.GetRequiredService<KeyCache>();
        var dbFactory = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var held = cache.Count;
        using (var db = dbFactory.CreateDbContext())
        {
            foreach (var key in db.IssuedKeys.AsNoTracking().AsEnumerable())
            {
                cache.FindAsync(key.Hash!, _ => Task.FromResult<IssuedKey?>(key), default).AsTask().GetAwaiter().GetResult();
            }
        }

        var bytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        var added = cache.Count - held;
        if (cache.Count < store.Count)
        {
            throw new InvalidOperationException($"The key cache of the {store.StoreName} store holds {cache.Count:N0} of its {store.Count:N0} keys.");
        }

        Console.WriteLine($"[keys] key cache of the {store.StoreName} store holding all {cache.Count:N0} keys: {bytes / 1024.0 / 1024.0:F1} MiB managed ({bytes / (double)Math.Max(1, added):F0} bytes per key)");
        return bytes;
    }

    /// <summary>
    /// Valid and unknown-key checks, one of each per store per round, stores (sizes, SQLite and PostgreSQL) rotating which
    /// goes first, each store's key cache holding all of its keys (the steady state at that size: its memory, and the
    /// collector's work over it, are part of what is timed). The keys presented are the store's known ones.
    /// </summary>
    private static List<(LatencySummary Valid, LatencySummary Unknown, double CacheBytes)> PerCallLatency(IReadOnlyList<KeyStore> stores, int calls)
    {
        const int warmup = 1_000;
        var engines = stores.Select(KeyCheckBenchmarks.Engine).ToList();
        var cacheBytes = stores.Select((store, s) => Fill(engines[s].Services, store)).ToList();
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

            return [.. stores.Select((_, s) => (LatencySummary.Of(valid[s]), LatencySummary.Of(unknown[s]), cacheBytes[s]))];
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
}

/// <summary>One store size's key-check numbers.</summary>
internal sealed record KeyRow(string Store, int Keys, double ValidMeanUs, double UnknownMeanUs, LatencySummary Valid, LatencySummary Unknown, double CacheBytes = double.NaN);
