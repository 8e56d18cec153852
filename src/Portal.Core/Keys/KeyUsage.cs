using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;

namespace Portal.Core.Keys;

/// <summary>
/// When each key was last used, kept in memory and written in one batch a minute and at shutdown (DESIGN.md "Last
/// used"): no write on the request path. Reads on this instance see the pending value at once; other instances see it
/// after the next flush, at minute precision.
/// </summary>
public sealed class KeyUsage(IDbContextFactory<PortalDbContext> dbFactory)
{
    public static readonly TimeSpan FlushEvery = TimeSpan.FromMinutes(1);
    private ConcurrentDictionary<Guid, long> _pending = new();

    public void Record(Guid keyId, long now) =>
        _pending.AddOrUpdate(keyId, now, (_, seen) => Math.Max(seen, now));

    /// <summary>The later of the stored last use and the one not yet flushed.</summary>
    public long? LastUsed(Guid keyId, long? stored) =>
        _pending.TryGetValue(keyId, out var pending) && (stored is null || pending > stored) ? pending : stored;

    public int Pending => _pending.Count;

    /// <summary>Writes every pending last use in one transaction; never moves a stored value backwards.</summary>
    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<Guid, long>());
        if (batch.IsEmpty)
        {
            return 0;
        }

        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            using var turn = await StoreWriteGate.EnterAsync(db, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            foreach (var (id, at) in batch)
            {
                await db.IssuedKeys.Where(k => k.Id == id && (k.LastUsedAt == null || k.LastUsedAt < at))
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, at), ct);
            }

            await tx.CommitAsync(ct);
            return batch.Count;
        }
        catch
        {
            // Not written: keep them for the next round (newer uses recorded meanwhile win).
            foreach (var (id, at) in batch)
            {
                Record(id, at);
            }

            throw;
        }
    }
}

/// <summary>Flushes <see cref="KeyUsage"/> every minute and once more when the host stops.</summary>
public sealed class KeyUsageFlusher(KeyUsage usage, TimeProvider time, ILogger<KeyUsageFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(KeyUsage.FlushEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The last round is written even when the host's stop budget is spent: it is one short transaction.
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await FlushAsync(bounded.Token);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        try
        {
            await usage.FlushAsync(ct);
        }
        catch (Exception e)
        {
            logger.LogWarning("Last-used times not written this round ({Reason}); kept for the next one.", e.GetType().Name);
        }
    }
}
