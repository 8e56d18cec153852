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

    /// <summary>Once a partition map holds <see cref="MemoryPartitions"/>, drops the entries whose window is over.</summary>
    private static void ForgetOver<T>(System.Collections.Concurrent.ConcurrentDictionary<string, T> map, Func<T, bool> over)
    {
        if (map.Count < MemoryPartitions)
        {
            return;
        }

        foreach (var (key, value) in map)
        {
            if (over(value))
            {
                map.TryRemove(key, out _);
            }
        }
    }
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, MemoryWindow> _memory = new(StringComparer.Ordinal);

    private const string Upsert = """
        INSERT INTO "RateWindows" ("Partition", "WindowStart", "Count") VALUES (@partition, @now, @n)
        ON CONFLICT ("Partition") DO UPDATE SET
            "Count" = CASE WHEN "RateWindows"."WindowStart" <= @expired THEN @n ELSE "RateWindows"."Count" + @n END,
            "WindowStart" = CASE WHEN "RateWindows"."WindowStart" <= @expired THEN @now ELSE "RateWindows"."WindowStart" END
        RETURNING "Count", "WindowStart"
        """;

    /// <summary>
    /// Counts one request against <paramref name="partition"/>'s budget of <paramref name="limit"/> per <paramref name="window"/>.
    /// With <paramref name="leased"/> (request budgets on a hot path, such as MCP's), an instance on PostgreSQL takes a share
    /// of the window's budget at a time (<see cref="LeaseSize"/>) and spends it from memory, taking the next share in the
    /// background before this one runs out: one round trip per share instead of one per request. Every instance together
    /// still admits at most <paramref name="limit"/> per window (a share is counted in the database when taken, and only
    /// what the window has left is granted); shares other instances hold unspent may refuse a request somewhat before the
    /// total is reached. Without it (failure budgets, which are small) every count is a round trip.
    /// </summary>
    public async Task<RateDecision> TryAcquireAsync(string partition, int limit, TimeSpan window, CancellationToken ct, bool leased = false)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        partition = partition.Length <= RateWindow.PartitionLength ? partition : partition[..RateWindow.PartitionLength];
        if (!store.IsPostgres)
        {
            return InMemory(partition, limit, now, windowMs);
        }

        if (!leased || LeaseSize(limit) == 1)
        {
            var (count, start) = await CountAsync(partition, 1, now, windowMs, ct);
            return new RateDecision(count <= limit, count, TimeSpan.FromMilliseconds(Math.Max(0, start + windowMs - now)));
        }

        return await FromLeaseAsync(partition, limit, now, windowMs, ct);
    }

    /// <summary>The share of a window's budget an instance takes at a time: a sixteenth, between 1 and 1,024 requests.</summary>
    public static int LeaseSize(int limit) => Math.Clamp(limit / 16, 1, 1024);

    /// <summary>Adds <paramref name="n"/> to the partition's window (starting a new one when it is over): the count after, and the window's start.</summary>
    private async Task<(int Count, long Start)> CountAsync(string partition, int n, long now, long windowMs, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = Upsert;
        command.AddParameter("partition", partition);
        command.AddParameter("now", now);
        command.AddParameter("expired", now - windowMs);
        command.AddParameter("n", n);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    private async Task<RateDecision> FromLeaseAsync(string partition, int limit, long now, long windowMs, CancellationToken ct)
    {
        ForgetOver(_leases, lease => lease.WindowEnd <= now); // bounded: shares of windows that are over are forgotten

        var lease = _leases.GetOrAdd(partition, _ => new Lease());
        if (lease.TrySpend(now, out var decision, out var refill))
        {
            if (refill)
            {
                _ = Task.Run(() => RefillAsync(lease, partition, limit, windowMs)); // the next share, before this one runs out, off the request
            }

            return decision;
        }

        // Nothing left here: one request takes the next share, the others wait for it instead of taking their own.
        await lease.Taking.WaitAsync(ct);
        try
        {
            now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (lease.TrySpend(now, out decision, out _))
            {
                return decision;
            }

            await TakeShareAsync(lease, partition, limit, now, windowMs, ct);
            lease.TrySpend(now, out decision, out _);
            return decision;
        }
        finally
        {
            lease.Taking.Release();
        }
    }

    private async Task RefillAsync(Lease lease, string partition, int limit, long windowMs)
    {
        if (!await lease.Taking.WaitAsync(0))
        {
            lease.EndRefill();
            return; // a request is taking a share right now
        }

        try
        {
            await TakeShareAsync(lease, partition, limit, time.GetUtcNow().ToUnixTimeMilliseconds(), windowMs, CancellationToken.None);
        }
        catch (Exception)
        {
            // The next request that finds the share spent takes one itself, and meets the failure there.
        }
        finally
        {
            lease.EndRefill();
            lease.Taking.Release();
        }
    }

    private async Task TakeShareAsync(Lease lease, string partition, int limit, long now, long windowMs, CancellationToken ct)
    {
        var n = LeaseSize(limit);
        var (count, start) = await CountAsync(partition, n, now, windowMs, ct);
        var granted = Math.Clamp(limit - (count - n), 0, n); // only what the window had left
        lease.Add(start, start + windowMs, granted, count, limit);
    }

    /// <summary>This instance's unspent share of one partition's current window.</summary>
    private sealed class Lease
    {
        public SemaphoreSlim Taking { get; } = new(1, 1);

        private readonly Lock _lock = new();
        private long _windowStart;
        private int _tokens;
        private int _counted;
        private int _limit;
        private bool _exhausted;
        private bool _refilling;

        public long WindowEnd { get; private set; }

        /// <summary>Spends one request of the share; false when there is none for this window (take a share). A refused request
        /// is decided here too, once the window's budget is known to be spent.</summary>
        public bool TrySpend(long now, out RateDecision decision, out bool refill)
        {
            lock (_lock)
            {
                refill = false;
                if (WindowEnd <= now)
                {
                    decision = default;
                    return false;
                }

                var retryAfter = TimeSpan.FromMilliseconds(Math.Max(0, WindowEnd - now));
                if (_tokens > 0)
                {
                    _tokens--;
                    refill = !_exhausted && !_refilling && _tokens < Math.Max(1, LeaseSize(_limit) / 2);
                    _refilling |= refill;
                    decision = new RateDecision(true, Math.Max(1, _counted - _tokens), retryAfter);
                    return true;
                }

                if (_exhausted)
                {
                    decision = new RateDecision(false, _limit + 1, retryAfter);
                    return true;
                }

                decision = default;
                return false;
            }
        }

        public void Add(long windowStart, long windowEnd, int granted, int counted, int limit)
        {
            lock (_lock)
            {
                if (windowStart != _windowStart)
                {
                    (_windowStart, WindowEnd, _tokens) = (windowStart, windowEnd, 0); // a new window: the old share is void
                }

                _tokens += granted;
                _counted = counted;
                _limit = limit;
                _exhausted = granted < LeaseSize(limit);
            }
        }

        public void EndRefill()
        {
            lock (_lock)
            {
                _refilling = false;
            }
        }
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
        ForgetOver(_memory, w => w.Start <= now - windowMs); // bounded: windows that are over are forgotten

        var current = _memory.AddOrUpdate(
            partition,
            _ => new MemoryWindow(now, 1),
            (_, w) => w.Start <= now - windowMs ? new MemoryWindow(now, 1) : w with { Count = w.Count + 1 });
        return new RateDecision(current.Count <= limit, current.Count, TimeSpan.FromMilliseconds(Math.Max(0, current.Start + windowMs - now)));
    }

    private sealed record MemoryWindow(long Start, int Count);

}
