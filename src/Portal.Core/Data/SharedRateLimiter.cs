using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Data;

/// <summary>One budget's current window: how many requests it has counted since <see cref="WindowStart"/>.</summary>
public sealed class RateWindow
{
    public const int PartitionLength = 100;

    public required string Partition { get; set; }
    public long WindowStart { get; set; }
    public int Count { get; set; }
}

public sealed class RateWindowConfiguration : IEntityTypeConfiguration<RateWindow>
{
    public void Configure(EntityTypeBuilder<RateWindow> builder)
    {
        builder.HasKey(w => w.Partition);
        builder.Property(w => w.Partition).HasMaxLength(RateWindow.PartitionLength);
    }
}

/// <summary>Whether a request fits its budget, and when the window frees up when it does not.</summary>
public readonly record struct RateDecision(bool Allowed, int Count, TimeSpan RetryAfter);

/// <summary>
/// A fixed-window request budget kept in the database, so it holds in total across every instance on one store: each
/// request is one atomic upsert (<c>INSERT … ON CONFLICT DO UPDATE … RETURNING</c>, the same SQL on SQLite and PostgreSQL)
/// that counts it and starts a new window when the old one is over. Exact: N instances together admit at most the limit
/// per window (the window starts with a partition's first request, as ASP.NET Core's fixed-window limiter does).
/// On SQLite there is one instance, so the same windows are counted in memory: no database round trip per request.
/// </summary>
public sealed class SharedRateLimiter(IDbContextFactory<PortalDbContext> dbFactory, StoreInfo store, TimeProvider time)
{
    private const int MemoryPartitions = 100_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, MemoryWindow> _memory = new(StringComparer.Ordinal);

    private const string Upsert = """
        INSERT INTO "RateWindows" ("Partition", "WindowStart", "Count") VALUES (@partition, @now, 1)
        ON CONFLICT ("Partition") DO UPDATE SET
            "Count" = CASE WHEN "RateWindows"."WindowStart" <= @expired THEN 1 ELSE "RateWindows"."Count" + 1 END,
            "WindowStart" = CASE WHEN "RateWindows"."WindowStart" <= @expired THEN @now ELSE "RateWindows"."WindowStart" END
        RETURNING "Count", "WindowStart"
        """;

    public async Task<RateDecision> TryAcquireAsync(string partition, int limit, TimeSpan window, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        if (!store.IsPostgres)
        {
            return InMemory(partition, limit, now, windowMs);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = Upsert;
        command.AddParameter("partition", partition.Length <= RateWindow.PartitionLength ? partition : partition[..RateWindow.PartitionLength]);
        command.AddParameter("now", now);
        command.AddParameter("expired", now - windowMs);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var count = Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
        var start = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        return new RateDecision(count <= limit, count, TimeSpan.FromMilliseconds(Math.Max(0, start + windowMs - now)));
    }

    /// <summary>Where a partition stands without counting anything: allowed while its window has room (or is over).</summary>
    public async Task<RateDecision> PeekAsync(string partition, int limit, TimeSpan window, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        partition = partition.Length <= RateWindow.PartitionLength ? partition : partition[..RateWindow.PartitionLength];
        long? start;
        int count;
        if (!store.IsPostgres)
        {
            (start, count) = _memory.TryGetValue(partition, out var w) ? (w.Start, w.Count) : ((long?)null, 0);
        }
        else
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var row = await db.Set<RateWindow>().AsNoTracking().FirstOrDefaultAsync(r => r.Partition == partition, ct);
            (start, count) = row is null ? ((long?)null, 0) : (row.WindowStart, row.Count);
        }

        if (start is null || start <= now - windowMs)
        {
            return new RateDecision(true, 0, TimeSpan.Zero);
        }

        return new RateDecision(count < limit, count, TimeSpan.FromMilliseconds(Math.Max(0, start.Value + windowMs - now)));
    }

    /// <summary>The upsert's rule, in memory: count, or start a new window when the old one is over.</summary>
    private RateDecision InMemory(string partition, int limit, long now, long windowMs)
    {
        if (_memory.Count >= MemoryPartitions)
        {
            foreach (var (key, old) in _memory)
            {
                if (old.Start <= now - windowMs)
                {
                    _memory.TryRemove(key, out _); // bounded: windows that are over are forgotten
                }
            }
        }

        var current = _memory.AddOrUpdate(
            partition,
            _ => new MemoryWindow(now, 1),
            (_, w) => w.Start <= now - windowMs ? new MemoryWindow(now, 1) : w with { Count = w.Count + 1 });
        return new RateDecision(current.Count <= limit, current.Count, TimeSpan.FromMilliseconds(Math.Max(0, current.Start + windowMs - now)));
    }

    private sealed record MemoryWindow(long Start, int Count);

}
