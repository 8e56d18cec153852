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
        if (!options.SkipKeys && !options.RevocationOnly)
        {
            (keyRows, keysNote) = KeyCheckRun.Run(options, postgres);
        }

        var goals = new List<string>();
        if (!options.SkipKeys)
        {
            var (revocation, note) = RevocationRun.Run(postgres, options.Quick ? 200 : 1_000);
            goals.Add(revocation is null
                ? $"- Revocation seen by a second instance on PostgreSQL: {note}"
                : $"- {(revocation.P99Ms < 10 ? "met" : "NOT met")}: revocation seen by a second instance on PostgreSQL (LISTEN/NOTIFY): p50 {revocation.P50Ms:F2} ms, p99 {revocation.P99Ms:F2} ms from the start of the revoking save, commit included (goal p99 < 10 ms; {revocation.Count:N0} revocations).");
        }

        var ingest = new List<LoadResult>();
        var ingestNotes = new List<string>();
        if (options.MixedOnly && PortalServer.FindPortalDll(options.PortalDll) is { } mixedDll)
        {
            goals.AddRange(await MixedRun.RunAsync(options, mixedDll));
        }
        else if (!options.SkipIngest)
        {
            List<string> mcp;
            (ingest, ingestNotes, mcp) = await IngestRun.RunAsync(options, postgres);
            goals.AddRange(mcp);

            // The parts after this one run on SQLite only: the cluster stops first, so its checkpoints and autovacuum after
            // the ingest part's inserts cannot share the two cores with them.
            postgres.Dispose();
            if (!options.IngestOnly && PortalServer.FindPortalDll(options.PortalDll) is { } dll)
            {
                goals.AddRange(await MixedRun.RunAsync(options, dll));
            }
        }

        var lists = options.SkipLists ? null : await ListsAndStartRun.RunAsync(options);
        var summary = BenchSummary.Write(options, keyRows, keysNote, ingest, ingestNotes, total.Elapsed, goals) + ListsAndStartRun.Summary(lists);
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
