using Portal.Tests.Infrastructure;

namespace Portal.Bench;

/// <summary>
/// The PostgreSQL cluster of one run: the tests' throwaway cluster (tests/Portal.Tests/Infrastructure/TestPostgres.cs,
/// linked), started once with durability ON (fsync, synchronous_commit, full_page_writes), shared by the key-check and
/// ingest parts, deleted at the end. When it cannot start, every PostgreSQL row says "skipped: why" and the rest runs.
/// </summary>
public sealed class BenchPostgres : IDisposable
{
    private TestPostgres? _cluster;

    private BenchPostgres(TestPostgres? cluster, string skipReason)
    {
        _cluster = cluster;
        SkipReason = skipReason;
    }

    public bool Available => _cluster is not null;

    /// <summary>Why the PostgreSQL rows are skipped (empty when available).</summary>
    public string SkipReason { get; }

    public static BenchPostgres Start(bool skip)
    {
        if (skip)
        {
            return new BenchPostgres(null, "--skip-postgres");
        }

        try
        {
            var cluster = TestPostgres.StartDedicated(durable: true);
            Console.WriteLine($"[postgres] throwaway cluster on 127.0.0.1:{cluster.Port} (fsync=on, synchronous_commit=on)");
            return new BenchPostgres(cluster, "");
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            var reason = e.Message.Split('\n')[0].Trim();
            Console.WriteLine($"[postgres] skipped: {reason}");
            return new BenchPostgres(null, reason);
        }
    }

    /// <summary>A connection string for a database of this cluster (EF Core's migrations create it).</summary>
    public string ConnectionString(string database) =>
        (_cluster ?? throw new InvalidOperationException("PostgreSQL is not available: " + SkipReason)).ConnectionString(database);

    /// <summary>Stops and deletes the cluster; once is enough (the run stops it when its PostgreSQL parts are done).</summary>
    public void Dispose() => Interlocked.Exchange(ref _cluster, null)?.Dispose();
}
