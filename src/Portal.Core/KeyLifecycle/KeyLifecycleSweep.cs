using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.KeyLifecycle;

/// <summary>What one sweep announced.</summary>
public sealed record KeySweepResult(int RotationDue, int Expired);

/// <summary>
/// The daily sweep of DESIGN.md "Key lifecycle policy": every key still in force that has entered its policy's warning
/// days is announced once as <c>key.rotation_due</c>, and once more as <c>key.expired</c> when it passes its maximum age
/// (whether or not the policy enforces it). "Once" holds across instances: a key is claimed by a conditional update of
/// its announcement time, in the same transaction as its audit row, so of two sweeps at the same moment one announces it.
/// </summary>
public sealed class KeyLifecycleSweep(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    /// <summary>Keys claimed per transaction: a large backlog is announced in short transactions that never hold writers up long.</summary>
    public const int Batch = 200;

    public async Task<KeySweepResult> RunAsync(CancellationToken ct = default)
    {
        var now = time.NowMs();
        List<KeyPolicy> policies;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            policies = await db.KeyPolicies.AsNoTracking().Where(p => p.MaxAgeDays != null).ToListAsync(ct);
        }

        int due = 0, expired = 0;
        foreach (var policy in policies)
        {
            var rule = new KeyKindPolicy(policy.MaxAgeDays, policy.WarnDays, policy.Enforce, policy.OnLeak);
            expired += await AnnounceAsync(policy, "key.expired", rule.ExpiredIfCreatedBy(now)!.Value, expiredAnnouncement: true, now, ct);
            due += await AnnounceAsync(policy, "key.rotation_due", rule.DueIfCreatedBy(now)!.Value, expiredAnnouncement: false, now, ct);
        }

        return new KeySweepResult(due, expired);
    }

    private async Task<int> AnnounceAsync(KeyPolicy policy, string action, long createdBy, bool expiredAnnouncement, long now, CancellationToken ct)
    {
        var announced = 0;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var keys = db.IssuedKeys.AsNoTracking().Where(k => k.TenantId == policy.TenantId && k.Kind == policy.Kind && k.CreatedAt <= createdBy
                && k.RevokedAt == null && k.ExpiresAt == null && k.LeakedAt == null); // keys in force (a replaced key's end is its grace period)
            keys = expiredAnnouncement ? keys.Where(k => k.ExpiredAnnouncedAt == null) : keys.Where(k => k.DueAnnouncedAt == null && k.ExpiredAnnouncedAt == null);
            var batch = await keys.OrderBy(k => k.CreatedAt).Take(Batch).Select(k => new { k.Id, k.KeyPrefix, k.Kind, k.OwnerId, k.CreatedAt }).ToListAsync(ct);
            if (batch.Count == 0)
            {
                return announced;
            }

            using var turn = await StoreWriteGate.EnterAsync(db, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var actor = Actor.System(policy.TenantId);
            foreach (var key in batch)
            {
                var id = key.Id;
                var claimed = expiredAnnouncement
                    ? await db.IssuedKeys.Where(k => k.Id == id && k.ExpiredAnnouncedAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(k => k.ExpiredAnnouncedAt, now).SetProperty(k => k.DueAnnouncedAt, k => k.DueAnnouncedAt ?? now), ct)
                    : await db.IssuedKeys.Where(k => k.Id == id && k.DueAnnouncedAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(k => k.DueAnnouncedAt, now), ct);
                if (claimed == 1)
                {
                    db.AuditEvents.Add(AuditEvent.Of(actor, now, action, KeyInventoryService.KeyTarget(id.ToString()), keyPrefix: key.KeyPrefix));
                    var rule = new KeyKindPolicy(policy.MaxAgeDays, policy.WarnDays, policy.Enforce, policy.OnLeak);
                    Notifications.NotificationEvents.StageKey(db, action, policy.TenantId, key.Kind, key.Id, key.KeyPrefix, key.OwnerId, "system", now,
                        ("createdAt", key.CreatedAt), ("rotationDueAt", rule.DueAt(key.CreatedAt)), ("expiresAt", key.CreatedAt + (policy.MaxAgeDays!.Value * 86_400_000L)), ("enforced", policy.Enforce));
                    announced++;
                }
            }

            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            if (batch.Count < Batch)
            {
                return announced;
            }
        }
    }
}

/// <summary>Runs <see cref="KeyLifecycleSweep"/> a minute after start and then once a day.</summary>
public sealed class KeyLifecycleSweeper(KeyLifecycleSweep sweep, TimeProvider time, ILogger<KeyLifecycleSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromDays(1);
    public static readonly TimeSpan FirstAfter = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(FirstAfter, time, stoppingToken);
            using var timer = new PeriodicTimer(Every, time);
            do
            {
                try
                {
                    var result = await sweep.RunAsync(stoppingToken);
                    if (result.RotationDue + result.Expired > 0)
                    {
                        logger.LogInformation("Key lifecycle sweep: {Due} keys due for rotation, {Expired} past their maximum age.", result.RotationDue, result.Expired);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Key lifecycle sweep failed ({Reason}); it runs again tomorrow.", e.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
