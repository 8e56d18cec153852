using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.KeyLifecycle;

/// <summary>The inventory seen from an owner's own page: its keys still accepted (the one in force and those in a grace period) and leaked ones.</summary>
public sealed partial class KeyInventoryService
{
    /// <summary>
    /// The keys of the given owners as the inventory shows them (status, rotation due, uses since rotation), grouped by
    /// <see cref="KeyOwner.Stored"/>: every key still accepted, and leaked keys, newest first. Owners without keys are left out.
    /// Any member of the tenant may read this (never the secret).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<KeyInventoryItem>>> ForOwnersAsync(Actor actor, IReadOnlyCollection<KeyOwner> owners, CancellationToken ct = default)
    {
        if (owners.Count == 0)
        {
            return new Dictionary<string, IReadOnlyList<KeyInventoryItem>>(StringComparer.Ordinal);
        }

        var tenant = actor.TenantId;
        var stored = owners.Select(o => o.Stored).Distinct().ToList();
        var policy = await policies.GetAsync(tenant, ct);
        var now = time.NowMs();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.IssuedKeys.AsNoTracking()
            .Where(k => k.TenantId == tenant && stored.Contains(k.OwnerId))
            .Where(k => (k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now)) || k.LeakedAt != null)
            .OrderByDescending(k => k.CreatedAt).ThenBy(k => k.Id)
            .ToListAsync(ct);
        var ownerRefs = await OwnersAsync(db, tenant, stored, ct);
        var active = await ActiveKeyIdsAsync(db, tenant, rows, ct);
        return rows
            .GroupBy(r => r.OwnerId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyList<KeyInventoryItem>)g.Select(r => ToItem(r, ownerRefs, active.Contains(r.Id), policy.For(r.Kind), now)).ToList(),
                StringComparer.Ordinal);
    }

    /// <summary>One owner's keys as <see cref="ForOwnersAsync"/> shows them; empty when it has none.</summary>
    public async Task<IReadOnlyList<KeyInventoryItem>> ForOwnerAsync(Actor actor, KeyOwner owner, CancellationToken ct = default) =>
        (await ForOwnersAsync(actor, [owner], ct)).GetValueOrDefault(owner.Stored) ?? [];
}
