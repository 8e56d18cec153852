using System.Diagnostics;

namespace Portal.Bench;

/// <summary>
/// One run, two measurements (issue 4, DESIGN.md "Performance budgets"):
/// 1. the key check of an inbound request at 1,000 and 1,000,000 stored keys (BenchmarkDotNet, plus a per-call latency pass for p50/p99);
/// 2. inbound webhook ingest: a bare Kestrel 202 endpoint and the real Portal receiver on SQLite and on PostgreSQL, driven by the same load loop.
/// The PostgreSQL parts run on a throwaway cluster with durability on (<see cref="BenchPostgres"/>); skipped, with the reason, when it cannot start.
/// Ends with a short table (<see cref="BenchSummary"/>). See bench/README.md.
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

        using var postgres = BenchPostgres.Start(options.SkipPostgres);
        var keyRows = new List<KeyRow>();
        var keysNote = "";
        if (!options.SkipKeys)
        {
            (keyRows, keysNote) = KeyCheckRun.Run(options, postgres);
        }

        var ingest = new List<LoadResult>();
        var ingestNotes = new List<string>();
        if (!options.SkipIngest)
        {
            (ingest, ingestNotes) = await IngestRun.RunAsync(options, postgres);
        }

        var lists = options.SkipLists ? null : await ListsAndStartRun.RunAsync(options);
        var summary = BenchSummary.Write(options, keyRows, keysNote, ingest, ingestNotes, total.Elapsed) + ListsAndStartRun.Summary(lists);
        Console.WriteLine();
        Console.WriteLine(summary);
        Directory.CreateDirectory(options.CacheDirectory);
        await File.WriteAllTextAsync(Path.Combine(options.CacheDirectory, "last-summary.md"), summary);
        return 0;
    }

    internal const string Configuration =
#if DEBUG
        "Debug build (numbers are not meaningful; use bench/run.sh)";
#else
        "Release build";
#endif
}
