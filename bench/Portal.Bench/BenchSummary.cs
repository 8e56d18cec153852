using System.Globalization;
using System.Text;

namespace Portal.Bench;

/// <summary>The short markdown table a run ends with (printed, and kept as last-summary.md in the cache directory).</summary>
internal static class BenchSummary
{
    public static string Write(BenchOptions options, List<KeyRow> keys, string keysNote, List<LoadResult> ingest, List<string> ingestNotes, TimeSpan elapsed, IReadOnlyList<string> goals)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"## Portal.Bench summary ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {BenchMain.Configuration}, {elapsed.TotalSeconds:F0} s)");
        if (keys.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"Key check, `KeyEngine.CheckAsync(WebhookKey, …)` on SQLite and on PostgreSQL (fsync and synchronous_commit on), the steady state: keys answered from the in-process key cache, which holds every key of the store during the per-call pass (filled from the store first, as a long-running instance's cache is once each key has been used; an unknown key is remembered for 2 s; last used kept in memory). On PostgreSQL the cache answers only while the change listener is connected, as in the app. BDN mean = BenchmarkDotNet (SQLite only); mean/p50/p99: each call timed ({keys[0].Valid.Count:N0} of each per store), all stores interleaved call by call:");
            sb.AppendLine();
            sb.AppendLine("| store | stored keys | presented key | BDN mean | mean | p50 | p99 |");
            sb.AppendLine("|---|---:|---|---:|---:|---:|---:|");
            foreach (var k in keys)
            {
                sb.AppendLine(inv, $"| {k.Store} | {k.Keys:N0} | valid | {Bdn(k.ValidMeanUs)} | {Us(k.Valid.MeanMs)} | {Us(k.Valid.P50Ms)} | {Us(k.Valid.P99Ms)} |");
                sb.AppendLine(inv, $"| {k.Store} | {k.Keys:N0} | unknown | {Bdn(k.UnknownMeanUs)} | {Us(k.Unknown.MeanMs)} | {Us(k.Unknown.P50Ms)} | {Us(k.Unknown.P99Ms)} |");
            }

            if (keysNote.Length > 0)
            {
                sb.AppendLine(inv, $"| PostgreSQL | — | — | — | {keysNote} | — | — |");
            }

            sb.AppendLine();
            foreach (var group in keys.GroupBy(k => k.Store).Where(g => g.Count() >= 2))
            {
                var (small, large) = (group.First(), group.Last());
                var worst = Math.Max(Math.Max(large.Valid.P99Ms / small.Valid.P99Ms, large.Unknown.P99Ms / small.Unknown.P99Ms), Math.Max(large.Valid.MeanMs / small.Valid.MeanMs, large.Unknown.MeanMs / small.Unknown.MeanMs));
                sb.Append(inv, $"- {(worst <= 1.2 ? "met" : "NOT met")}: ");
                sb.AppendLine(inv, $"{group.Key}: ratio {large.Keys:N0} / {small.Keys:N0} keys (goal: O(1), ratio ≤ 1.2): valid key mean {large.Valid.MeanMs / small.Valid.MeanMs:F2}×, p50 {large.Valid.P50Ms / small.Valid.P50Ms:F2}×, p99 {large.Valid.P99Ms / small.Valid.P99Ms:F2}×; unknown key mean {large.Unknown.MeanMs / small.Unknown.MeanMs:F2}×, p50 {large.Unknown.P50Ms / small.Unknown.P50Ms:F2}×, p99 {large.Unknown.P99Ms / small.Unknown.P99Ms:F2}×{(double.IsNaN(large.ValidMeanUs) ? "" : $"; BDN means {large.ValidMeanUs / small.ValidMeanUs:F2}× and {large.UnknownMeanUs / small.UnknownMeanUs:F2}×")}.");
            }
        }

        foreach (var k in keys.Where(k => !double.IsNaN(k.CacheBytes)))
        {
            sb.AppendLine(inv, $"- key cache memory with all {k.Keys:N0} keys of the {k.Store} store held: {k.CacheBytes / 1024 / 1024:F0} MiB managed ({k.CacheBytes / k.Keys:F0} bytes per key; default capacity 2,000,000 keys, `Portal:KeyCacheCapacity`).");
        }

        if (keys.Count > 0)
        {
            var over = keys.SelectMany(k => new[] { (k, "valid", k.Valid), (k, "unknown", k.Unknown) }).Where(x => x.Item3.P99Ms >= 1).ToList();
            sb.AppendLine(inv, $"- {(over.Count == 0 ? "met" : "NOT met")}: goal p99 < 1 ms in process; {over.Count} of {keys.Count * 2} rows at or above it{(over.Count == 0 ? "" : ": " + string.Join(", ", over.Select(x => $"{x.k.Store} {x.k.Keys:N0} {x.Item2}")))}.");
        }

        if (ingest.Count > 0 || ingestNotes.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"Inbound webhook ingest, loopback, one HttpClient with {options.Concurrency} concurrent senders, a ~100-byte JSON event with a unique webhook-id per request; {options.IngestSeconds} s measured per endpoint in alternating slices of up to 2 s, after {options.IngestWarmupSeconds} s warm-up:");
            sb.AppendLine();
            sb.AppendLine("| endpoint | req/s | p50 | p99 | non-202 | server CPU per request | events per commit |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var r in ingest)
            {
                sb.AppendLine(inv, $"| {r.Name} | {r.RequestsPerSecond:F0} | {r.Latency.P50Ms:F2} ms | {r.Latency.P99Ms:F2} ms | {r.Failed} | {(r.CpuMicrosecondsPerRequest is { } us ? $"{us:F0} µs" : "—")} | {(r.MeanBatch is { } b ? $"{b:F1}" : "—")} |");
            }

            foreach (var note in ingestNotes)
            {
                sb.AppendLine(inv, $"| {note} | — | — | — | — | — | — |");
            }

            sb.AppendLine();
            var bare = ingest.FirstOrDefault(r => r.Name == IngestRun.BareName);
            foreach (var portal in ingest.Where(r => r != bare))
            {
                if (bare is null)
                {
                    break;
                }

                var ratio = bare.RequestsPerSecond / portal.RequestsPerSecond;
                sb.AppendLine(inv, $"- {(ratio <= 2 ? "met" : "NOT met")}: {portal.Name.Split('`')[0].Trim()} at {100 / ratio:F1} % of bare throughput (bare / Portal {ratio:F2}×; goal ≥ 50 %; the earlier budget, within 3×, {(ratio <= 3 ? "met" : "NOT met")}); p99 {portal.Latency.P99Ms / bare.Latency.P99Ms:F2}× bare.");
            }

            foreach (var portal in ingest.Where(r => r.StoredTotal is not null))
            {
                sb.AppendLine(inv, $"- {(portal.StoredTotal >= portal.AckedTotal ? "met" : "NOT met")}: {portal.Name.Split('`')[0].Trim()}: acknowledged {portal.AckedTotal:N0} deliveries (warm-up included), stored {portal.StoredTotal:N0} (goal: every acknowledged event stored).");
            }
        }

        if (goals.Count > 0)
        {
            sb.AppendLine();
            foreach (var goal in goals)
            {
                sb.AppendLine(goal);
            }
        }

        return sb.ToString();

        string Bdn(double us) => double.IsNaN(us) ? "—" : us.ToString("F0", inv) + " µs";
        string Us(double ms) => (ms * 1000).ToString("F0", inv) + " µs";
    }
}
