using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;

namespace Portal.Core.Notifications;

/// <summary>Tells the background dispatcher that an event was committed on this instance, so it sends without waiting for its next poll.</summary>
public sealed class NotificationSignal
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>True when woken, false when <paramref name="interval"/> passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan interval, CancellationToken ct) => _wake.WaitAsync(interval, ct);
}

/// <summary>
/// <c>key.used_after_revoke</c>: someone still presents a revoked key. Announced at most once an hour per key, across
/// instances: the key is claimed by a conditional update of <see cref="IssuedKey.RevokedUseAnnouncedAt"/> in the event's
/// own transaction. Within the hour an instance answers from memory, so a flood of refused requests writes nothing.
/// </summary>
public sealed class KeyUseAlerts(IDbContextFactory<PortalDbContext> dbFactory, NotificationSignal signal, TimeProvider time)
{
    public static readonly TimeSpan Every = TimeSpan.FromHours(1);
    private const int MaxRemembered = 100_000;
    private readonly ConcurrentDictionary<Guid, long> _announced = new();

    public async Task RevokedKeyUsedAsync(IssuedKey key, string? ip, CancellationToken ct = default)
    {
        var now = time.NowMs();
        var hour = (long)Every.TotalMilliseconds;
        if (_announced.TryGetValue(key.Id, out var last) && now - last < hour)
        {
            return;
        }

        if (_announced.Count >= MaxRemembered)
        {
            _announced.Clear();
        }

        _announced[key.Id] = now;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        using var turn = await StoreWriteGate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var id = key.Id;
        var since = now - hour;
        var claimed = await db.IssuedKeys.Where(k => k.Id == id && (k.RevokedUseAnnouncedAt == null || k.RevokedUseAnnouncedAt <= since))
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedUseAnnouncedAt, now), ct);
        if (claimed != 1)
        {
            return;
        }

        NotificationEvents.StageKey(db, NotificationEvents.KeyUsedAfterRevoke, key, "unknown caller", now, [("revokedAt", key.RevokedAt), ("expiredAt", key.RevokedAt is null ? key.ExpiresAt : null), ("ip", ip)]);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        signal.Wake();
    }
}
