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
    private readonly ConcurrentDictionary<Guid, Use> _pending = new();

    /// <summary>One accepted use of a key now.</summary>
    public void Record(Guid keyId, long now) => Record(keyId, new Use(now, 1));

    /// <summary>The later of the stored last use and the one not yet flushed.</summary>
    public long? LastUsed(Guid keyId, long? stored) =>
        _pending.TryGetValue(keyId, out var pending) && (stored is null || pending.At > stored) ? pending.At : stored;

    /// <summary>Uses of the key on this instance not yet written (add them to the stored count).</summary>
    public long PendingUses(Guid keyId) => _pending.TryGetValue(keyId, out var pending) ? pending.Count : 0;

    public int Pending => _pending.Count;

    private void Record(Guid keyId, Use use) =>
        _pending.AddOrUpdate(keyId, static (_, u) => u, static (_, seen, u) => new Use(Math.Max(seen.At, u.At), seen.Count + u.Count), use);

    /// <summary>The latest use and how many, since the last flush.</summary>
    private readonly record struct Use(long At, long Count);

    /// <summary>Writes every pending last use in one transaction; never moves a stored value backwards.</summary>
    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        // Drained entry by entry from the one live dictionary: a use recorded meanwhile lands in it and is written next time, never lost.
        var batch = new Dictionary<Guid, Use>();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var use))
            {
                batch[id] = use;
            }
        }

        if (batch.Count == 0)
        {
            return 0;
        }

        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            using var turn = await StoreWriteGate.EnterAsync(db, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            foreach (var (id, use) in batch)
            {
                var at = use.At;
                var count = use.Count;
                await db.IssuedKeys.Where(k => k.Id == id)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(k => k.LastUsedAt, k => k.LastUsedAt == null || k.LastUsedAt < at ? at : k.LastUsedAt)
                        .SetProperty(k => k.UseCount, k => k.UseCount + count), ct);
            }

            await tx.CommitAsync(ct);
            return batch.Count;
        }
        catch
        {
            // Not written: keep them for the next round (newer uses recorded meanwhile win).
            foreach (var (id, use) in batch)
            {
                Record(id, use);
            }

            throw;
        }
    }
}

/// <summary>
/// Flushes <see cref="KeyUsage"/> every minute and when the host stops: first as the host begins to stop, while every
/// other service still runs (<see cref="IHostedLifecycleService.StoppingAsync"/>), then once more after the requests
/// have drained, for the uses recorded meanwhile. A last round that fails is tried again with a new connection.
/// </summary>
public sealed class KeyUsageFlusher(KeyUsage usage, TimeProvider time, ILogger<KeyUsageFlusher> logger) : BackgroundService, IHostedLifecycleService
{
    private const int LastRoundAttempts = 3;

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

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => LastRoundAsync();

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await LastRoundAsync();
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Written even when the host's stop budget is spent: it is one short transaction.</summary>
    private async Task LastRoundAsync()
    {
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var attempt = 1; attempt <= LastRoundAttempts && usage.Pending > 0 && !bounded.IsCancellationRequested; attempt++)
        {
            if (await FlushAsync(bounded.Token))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), CancellationToken.None);
        }
    }

    private async Task<bool> FlushAsync(CancellationToken ct)
    {
        try
        {
            await usage.FlushAsync(ct);
            return true;
        }
        catch (Exception e)
        {
            logger.LogWarning("Last-used times not written this round ({Reason}); kept for the next one.", e.GetType().Name);
            return false;
        }
    }
}
