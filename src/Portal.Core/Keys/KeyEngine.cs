using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.KeyLifecycle;
using Portal.Core.Tenancy;

namespace Portal.Core.Keys;

/// <summary>
/// The one engine that mints, binds, rotates, revokes, checks and reveals every secret the portal hands out.
/// Minting and rotating (mint, bind, revoke previous, audit) are staged in the caller's unit of work, so they commit with
/// the rest of the caller's operation; the binding's optimistic concurrency token makes concurrent rotations leave
/// exactly one active key. Checks answer from <see cref="KeyCache"/>, which every change to a key evicts (through the
/// <see cref="ChangeFeed"/>) before the changing call returns, so a revoked key is refused on the very next request.
/// </summary>
public sealed class KeyEngine(IDbContextFactory<PortalDbContext> dbFactory, CredentialProtector protector, Refusals refusals, KeyCache cache, KeyUsage usage, KeyPolicyService policies, Notifications.KeyUseAlerts alerts, TimeProvider time)
{
    public const int MaxGracePeriodSeconds = 7 * 24 * 3600;

    /// <summary>
    /// Mints a key for <paramref name="owner"/> and makes it the active one, staged on the caller's context <paramref name="db"/>
    /// (opened by <see cref="UnitOfWork.RunAsync{T}"/>): nothing is written until the caller saves its whole operation, so the
    /// key, the caller's own rows and the audit rows commit together or not at all. With <see cref="IssueMode.Rotate"/> the
    /// previous key is revoked now, or expires after <paramref name="gracePeriodSeconds"/>. The binding's version is a
    /// concurrency token: of two concurrent rotations one save fails and the unit of work runs again.
    /// </summary>
    /// <param name="scopes">What the new key may do, stored on it (e.g. <c>mcp:invoke</c>) and checked where it is used.</param>
    /// <param name="given">A secret minted elsewhere to record instead of minting one (an API client's configured bootstrap secret, which OpenIddict verifies).</param>
    public async Task<Result<MintedKey>> IssueAsync(PortalDbContext db, Actor actor, KeyKind kind, KeyOwner owner, IssueMode mode, string auditTarget, int gracePeriodSeconds = 0, IReadOnlyCollection<string>? scopes = null, Secret? given = null, CancellationToken ct = default)
    {
        var ownerId = owner.Stored;
        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, mode == IssueMode.First ? "key.mint" : "key.rotate", auditTarget, db, ct);
        }

        if (gracePeriodSeconds is < 0 or > MaxGracePeriodSeconds)
        {
            return Error.Validation("gracePeriodSeconds", $"gracePeriodSeconds must be between 0 and {MaxGracePeriodSeconds} (7 days).");
        }

        var binding = await db.KeyBindingForUpdateAsync(actor.TenantId, ownerId, ct);
        var previous = binding?.ActiveKeyId is { } activeId ? await db.IssuedKeys.FirstOrDefaultAsync(k => k.Id == activeId, ct) : null;
        if (Expected.Value is { } expected && mode != IssueMode.First && previous?.Id != expected.KeyId)
        {
            return Error.Conflict($"Key {expected.KeyPrefix} is no longer the key in force: it was rotated meanwhile. Nothing was rotated again.");
        }
        if (mode == IssueMode.First && previous is not null)
        {
            return Error.Conflict("A key is bound already; rotate it instead.");
        }

        if (mode == IssueMode.Rotate && previous is null)
        {
            return Error.BadRequest("No key is bound yet: generate the first one instead of rotating.");
        }

        var now = time.NowMs();
        var secret = given ?? KeyKinds.Mint(kind);
        var key = new IssuedKey
        {
            Id = Guid.CreateVersion7(),
            TenantId = actor.TenantId,
            Kind = kind,
            OwnerId = ownerId,
            Hash = SecretFormat.Hash(secret.Value), // every kind: a presented key is found by its hash, encrypted kinds included
            ProtectedValue = KeyKinds.IsHashed(kind) ? null : protector.Protect(secret.Value),
            KeyPrefix = secret.DisplayPrefix,
            CreatedAt = now,
            CreatedBy = actor.AuditName,
            Scopes = KeyScopes.Join(scopes),
        };
        db.IssuedKeys.Add(key);
        if (binding is null)
        {
            db.KeyBindings.Add(binding = new KeyBinding { TenantId = actor.TenantId, OwnerId = ownerId });
        }

        long? previousExpiresAt = null;
        if (previous is not null)
        {
            Supersede(previous, now);
            if (gracePeriodSeconds == 0)
            {
                previous.RevokedAt ??= now; // a key revoked already (a leak report) keeps when that happened
            }
            else
            {
                previous.ExpiresAt = previousExpiresAt = Math.Min(previous.ExpiresAt ?? long.MaxValue, now + (gracePeriodSeconds * 1000L));
            }

            db.AuditEvents.Add(AuditEvent.Of(actor, now, gracePeriodSeconds == 0 ? "key.revoke" : "key.expire", auditTarget, keyPrefix: previous.KeyPrefix));
        }

        binding.ActiveKeyId = key.Id;
        binding.Version = Guid.NewGuid();
        binding.RotatedAt = previous is null ? binding.RotatedAt : now;
        db.AuditEvents.Add(AuditEvent.Of(actor, now, previous is null ? "key.mint" : "key.rotate", auditTarget, keyPrefix: key.KeyPrefix));
        PortalMetrics.KeyIssues.Add(1, PortalMetrics.Tag("kind", KeyKinds.WireName(kind)), PortalMetrics.Tag("mode", previous is null ? "mint" : "rotate"));
        if (previous is not null)
        {
            // Announced with the rotation, in its transaction (DESIGN.md "Notifications"): the new key by prefix, and what became of the old one.
            Notifications.NotificationEvents.StageKey(db, Notifications.NotificationEvents.KeyRotated, key, actor.AuditName, now,
                ("previousKeyPrefix", previous.KeyPrefix), ("previousKeyRevokedAt", previous.RevokedAt), ("previousKeyExpiresAt", previousExpiresAt));
        }

        return new MintedKey(key.Id, secret, now, previous?.Id, previousExpiresAt);
    }

    private static readonly AsyncLocal<ExpectedKey?> Expected = new();

    private sealed record ExpectedKey(Guid KeyId, string KeyPrefix);

    /// <summary>
    /// Until disposed, a rotation on this flow (<see cref="IssueAsync"/>, whichever owner service calls it) rotates only
    /// if <paramref name="keyId"/> is still the key in force when its transaction reads the binding; otherwise it is a
    /// 409. For callers that chose a key to rotate before the owner's transaction began (the Keys inventory).
    /// </summary>
    public static IDisposable ExpectActive(Guid keyId, string keyPrefix)
    {
        var outer = Expected.Value;
        Expected.Value = new ExpectedKey(keyId, keyPrefix);
        return new Restore(() => Expected.Value = outer);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>
    /// Makes a key the owner had before the active one again, staged on <paramref name="db"/> like <see cref="IssueAsync"/>:
    /// the active key is revoked now, as by a rotation, and <paramref name="recorded"/> is in force again. For a secret that
    /// configuration sets (the bootstrap API client's), so that setting it back to an earlier value takes effect instead
    /// of leaving that value's key revoked. A key reported leaked is never reinstated (an error): a new secret must be set.
    /// The binding's <see cref="KeyBinding.RotatedAt"/> becomes now: what the key authorized before (an API client's
    /// access tokens) stays ended (see <c>ApiClientService.IsTokenCurrentAsync</c>).
    /// </summary>
    /// <summary>
    /// Why <paramref name="recorded"/> may not be put in force again, or null: a key reported leaked never is. One in
    /// force already needs nothing (a leak report on it is the tenant's leak policy's business, not this).
    /// </summary>
    public static Error? ReinstateRefusal(IssuedKey recorded, bool inForce) =>
        !inForce && recorded.LeakedAt is not null
            ? Error.Conflict($"Key {recorded.KeyPrefix} was reported leaked and has been replaced; it cannot be put in force again. Set a new secret.")
            : null;

    public async Task<Result<bool>> ReinstateAsync(PortalDbContext db, Actor actor, IssuedKey recorded, string auditTarget, CancellationToken ct = default)
    {
        var binding = await db.KeyBindingForUpdateAsync(recorded.TenantId, recorded.OwnerId, ct);
        var inForce = binding?.ActiveKeyId == recorded.Id;
        if (ReinstateRefusal(recorded, inForce) is { } refusal)
        {
            return refusal;
        }

        if (inForce)
        {
            return false;
        }

        var now = time.NowMs();
        var previous = binding?.ActiveKeyId is { } activeId ? await db.IssuedKeys.FirstOrDefaultAsync(k => k.Id == activeId, ct) : null;
        if (previous is not null)
        {
            Supersede(previous, now);
            previous.RevokedAt ??= now;
            db.AuditEvents.Add(AuditEvent.Of(actor, now, "key.revoke", auditTarget, keyPrefix: previous.KeyPrefix));
        }

        if (binding is null)
        {
            db.KeyBindings.Add(binding = new KeyBinding { TenantId = recorded.TenantId, OwnerId = recorded.OwnerId });
        }

        recorded.RevokedAt = null;
        recorded.ExpiresAt = null;
        recorded.SupersededAt = null;
        recorded.RevokedUseAnnouncedAt = null;
        binding.ActiveKeyId = recorded.Id;
        binding.Version = Guid.NewGuid();
        binding.RotatedAt = now;
        db.AuditEvents.Add(AuditEvent.Of(actor, now, "key.reinstate", auditTarget, keyPrefix: recorded.KeyPrefix));
        if (previous is not null)
        {
            // Announced as a rotation is, in the same transaction: the key in force by prefix, and that the one before is revoked.
            Notifications.NotificationEvents.StageKey(db, Notifications.NotificationEvents.KeyRotated, recorded, actor.AuditName, now,
                ("previousKeyPrefix", previous.KeyPrefix), ("previousKeyRevokedAt", previous.RevokedAt), ("previousKeyExpiresAt", null), ("reinstated", true));
        }

        return true;
    }

    /// <summary>Marks a key as no longer the one in force: the uses it carries from now on are the ones its consumers have not moved over yet.</summary>
    private void Supersede(IssuedKey previous, long now)
    {
        previous.SupersededAt ??= now;
        previous.UseCountAtSupersede = previous.UseCount + usage.PendingUses(previous.Id);
    }

    /// <summary>
    /// Checks a presented key of a kind. A refused use is audited here, once: named by <paramref name="use"/> when the
    /// caller gives one (<c>{use.Action}.{outcome}</c> on its target, unknown and malformed keys included when the tenant
    /// is known), else as <c>key.useRevoked</c> / <c>key.useRefused</c> on the key's owner. A valid use records the last-used
    /// time in memory (<see cref="KeyUsage"/>). The returned key is shared with the cache: read it, never change it.
    /// </summary>
    /// <param name="tenantId">The tenant the key must belong to; null when the key itself says which (a bearer key names its tenant).</param>
    public async Task<KeyCheck> CheckAsync(KeyKind kind, string? tenantId, string? presented, KeyOwner? expectedOwner, string? ip, KeyUse? use = null, CancellationToken ct = default)
    {
        var check = await CheckCoreAsync(kind, tenantId, presented, expectedOwner, ip, use, ct);
        PortalMetrics.KeyChecks.Add(1, PortalMetrics.Tag("kind", KeyKinds.WireName(kind)), PortalMetrics.Tag("outcome", OutcomeNames[(int)check.Outcome]));
        return check;
    }

    private static readonly string[] OutcomeNames = Enum.GetValues<KeyCheckOutcome>().OrderBy(o => (int)o)
        .Select(o => o == KeyCheckOutcome.WrongOwner ? "wrong_owner" : o.ToString().ToLowerInvariant()).ToArray();

    private async Task<KeyCheck> CheckCoreAsync(KeyKind kind, string? tenantId, string? presented, KeyOwner? expectedOwner, string? ip, KeyUse? use, CancellationToken ct)
    {
        if (!SecretFormat.IsWellFormed(KeyKinds.Prefix(kind), presented))
        {
            // A typo or a probe: no lookup; audited only under a caller's name, in a tenant the caller names.
            return await RefusedAsync(new KeyCheck(KeyCheckOutcome.Malformed, null), tenantId, keyPrefix: null, ownerTarget: null, ip, use, ct);
        }

        var hash = SecretFormat.Hash(presented!);
        var key = await cache.FindAsync(hash, async c =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(c);
            return await db.IssuedKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash, c);
        }, ct);
        if (key is null || key.Kind != kind || !SecretFormat.HashEquals(key.Hash!, hash) || (tenantId is not null && key.TenantId != tenantId))
        {
            var prefix = SecretFormat.Display(KeyKinds.Prefix(kind), presented!);
            return await RefusedAsync(new KeyCheck(KeyCheckOutcome.Unknown, null), tenantId, prefix, ownerTarget: null, ip, use, ct);
        }

        var now = time.NowMs();
        if (!key.IsUsableAt(now))
        {
            return await RefusedAsync(new KeyCheck(KeyCheckOutcome.Revoked, key), key.TenantId, key.KeyPrefix, key.OwnerId, ip, use, ct);
        }

        if ((await policies.GetAsync(key.TenantId, ct)).For(kind).Refuses(key.CreatedAt, now))
        {
            // Past the age the tenant's enforced policy allows (DESIGN.md "Key lifecycle policy"): refused, audited.
            return await RefusedAsync(new KeyCheck(KeyCheckOutcome.Expired, key), key.TenantId, key.KeyPrefix, key.OwnerId, ip, use, ct);
        }

        if (expectedOwner is { } expected && key.OwnerId != expected.Stored)
        {
            return await RefusedAsync(new KeyCheck(KeyCheckOutcome.WrongOwner, key), key.TenantId, key.KeyPrefix, key.OwnerId, ip, use, ct);
        }

        usage.Record(key.Id, now); // written in the next batch: no write on the request path
        return new KeyCheck(KeyCheckOutcome.Valid, key);
    }

    /// <summary>The values of an owner's usable encrypted keys (active first, then those in a grace period), e.g. to verify a signature.</summary>
    /// <remarks>From memory (<see cref="KeyCache"/>) until a key of the owner changes; a grace period's end is checked on every call.</remarks>
    public async Task<IReadOnlyList<string>> RevealUsableAsync(string tenantId, KeyOwner owner, CancellationToken ct = default)
    {
        var ownerId = owner.Stored;
        var usable = await cache.UsableAsync(tenantId, ownerId, async c =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(c);
            var at = time.NowMs();
            var keys = await db.IssuedKeys.AsNoTracking()
                .Where(k => k.TenantId == tenantId && k.OwnerId == ownerId && k.ProtectedValue != null && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > at))
                .OrderByDescending(k => k.CreatedAt).ToListAsync(c);
            return keys.Select(k => new UsableSecret(protector.Unprotect(k.ProtectedValue!), k.ExpiresAt, k.CreatedAt, k.Kind)).ToList();
        }, ct);
        var now = time.NowMs();
        var policy = await policies.GetAsync(tenantId, ct);
        return usable.Where(s => (s.ExpiresAt is null || s.ExpiresAt > now) && !policy.For(s.Kind).Refuses(s.CreatedAt, now)).Select(s => s.Value).ToList();
    }

    /// <summary>Reads the active encrypted key back (seed 004). Admin only; every read is audited.</summary>
    public async Task<Result<Secret>> RevealActiveAsync(Actor actor, KeyOwner owner, string auditTarget, CancellationToken ct = default)
    {
        var ownerId = owner.Stored;
        if (!actor.IsAdmin)
        {
            return await refusals.RecordAsync(actor, "key.reveal", auditTarget, Error.Forbidden("Reading a key back needs the Admin role."), ct: ct);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.NowMs();

        var binding = await db.KeyBindings.AsNoTracking().FirstOrDefaultAsync(b => b.TenantId == actor.TenantId && b.OwnerId == ownerId, ct);
        var key = binding?.ActiveKeyId is { } id ? await db.IssuedKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct) : null;
        if (key?.ProtectedValue is null)
        {
            return Error.NotFound("No key has been issued yet.");
        }

        db.AuditEvents.Add(AuditEvent.Of(actor, now, "key.reveal", auditTarget, keyPrefix: key.KeyPrefix));
        await db.SaveChangesAsync(ct);
        return new Secret(protector.Unprotect(key.ProtectedValue), key.KeyPrefix);
    }

    /// <summary>The active key of an owner, as lists show it; null when none is bound.</summary>
    public async Task<KeyInfo?> ActiveAsync(string tenantId, KeyOwner owner, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await ActiveAsync(db, tenantId, owner, ct) is { } info ? info with { LastUsedAt = usage.LastUsed(info.Id, info.LastUsedAt) } : null;
    }

    public static async Task<KeyInfo?> ActiveAsync(PortalDbContext db, string tenantId, KeyOwner owner, CancellationToken ct)
    {
        var ownerId = owner.Stored;
        var binding = await db.KeyBindings.AsNoTracking().FirstOrDefaultAsync(b => b.TenantId == tenantId && b.OwnerId == ownerId, ct);
        if (binding?.ActiveKeyId is not { } id)
        {
            return null;
        }

        var key = await db.IssuedKeys.AsNoTracking().FirstAsync(k => k.Id == id, ct);
        return ToInfo(key, active: true);
    }

    /// <summary>The active keys of many owners in one query, by owner id; owners without a key are absent.</summary>
    public static async Task<IReadOnlyDictionary<KeyOwner, KeyInfo>> ActiveAsync(PortalDbContext db, string tenantId, IReadOnlyCollection<KeyOwner> owners, CancellationToken ct)
    {
        var ownerIds = owners.Select(o => o.Stored).ToList();
        var byStored = owners.Distinct().ToDictionary(o => o.Stored, StringComparer.Ordinal);
        var rows = await db.KeyBindings.AsNoTracking()
            .Where(b => b.TenantId == tenantId && ownerIds.Contains(b.OwnerId))
            .Join(db.IssuedKeys.AsNoTracking(), b => b.ActiveKeyId, k => (Guid?)k.Id, (b, k) => k)
            .ToListAsync(ct);
        return rows.ToDictionary(k => byStored[k.OwnerId], k => ToInfo(k, active: true));
    }

    /// <summary>
    /// The keys of many owners that a rotation replaced but that still work until their grace period ends (not active,
    /// not revoked, expiring after <paramref name="now"/>), by owner; owners without one are absent.
    /// </summary>
    public static async Task<IReadOnlyDictionary<KeyOwner, IReadOnlyList<KeyInfo>>> InGraceAsync(PortalDbContext db, string tenantId, IReadOnlyCollection<KeyOwner> owners, long now, CancellationToken ct)
    {
        var ownerIds = owners.Select(o => o.Stored).ToList();
        var byStored = owners.Distinct().ToDictionary(o => o.Stored, StringComparer.Ordinal);
        var rows = await db.IssuedKeys.AsNoTracking()
            .Where(k => k.TenantId == tenantId && ownerIds.Contains(k.OwnerId) && k.RevokedAt == null && k.ExpiresAt > now)
            .Where(k => !db.KeyBindings.Any(b => b.TenantId == tenantId && b.OwnerId == k.OwnerId && b.ActiveKeyId == k.Id))
            .ToListAsync(ct);
        return rows.GroupBy(k => k.OwnerId)
            .ToDictionary(g => byStored[g.Key], g => (IReadOnlyList<KeyInfo>)g.OrderByDescending(k => k.CreatedAt).Select(k => ToInfo(k, active: false)).ToList());
    }

    /// <summary>Every key an owner has had, newest first: prefix, created, last used, expires, revoked.</summary>
    public async Task<IReadOnlyList<KeyInfo>> ListAsync(string tenantId, KeyOwner owner, CancellationToken ct = default) =>
        (await PageAsync(tenantId, owner, new Paging(0, int.MaxValue), ct)).Items;

    /// <summary>A page of an owner's keys, newest first, with how many it has in all.</summary>
    public async Task<Page<KeyInfo>> PageAsync(string tenantId, KeyOwner owner, Paging paging, CancellationToken ct = default)
    {
        var ownerId = owner.Stored;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var activeId = await db.KeyBindings.AsNoTracking().Where(b => b.TenantId == tenantId && b.OwnerId == ownerId).Select(b => b.ActiveKeyId).FirstOrDefaultAsync(ct);
        var all = db.IssuedKeys.AsNoTracking().Where(k => k.TenantId == tenantId && k.OwnerId == ownerId);
        var total = await all.CountAsync(ct);
        var keys = await all.OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        var policy = await policies.GetAsync(tenantId, ct);
        return new Page<KeyInfo>(keys.Select(k => ToInfo(k, k.Id == activeId) with { LastUsedAt = usage.LastUsed(k.Id, k.LastUsedAt), RotationDueAt = policy.For(k.Kind).DueAt(k.CreatedAt) }).ToList(), total);
    }

    /// <summary>Revokes every key of an owner (its resource is being deleted), inside the caller's unit of work.</summary>
    public async Task RevokeAllAsync(PortalDbContext db, Actor actor, KeyOwner owner, string auditTarget, CancellationToken ct)
    {
        var ownerId = owner.Stored;
        var now = time.NowMs();
        var keys = await db.IssuedKeys.Where(k => k.TenantId == actor.TenantId && k.OwnerId == ownerId && k.RevokedAt == null).ToListAsync(ct);
        foreach (var key in keys)
        {
            key.RevokedAt = now;
            db.AuditEvents.Add(AuditEvent.Of(actor, now, "key.revoke", auditTarget, keyPrefix: key.KeyPrefix));
            Notifications.NotificationEvents.StageKey(db, Notifications.NotificationEvents.KeyRevoked, key, actor.AuditName, now, ("reason", "Its owner was deleted."));
        }

        await db.KeyBindings.Where(b => b.TenantId == actor.TenantId && b.OwnerId == ownerId).ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// Encrypted keys minted before every kind kept a hash (the KeyScopes migration) cannot be found by a presented value:
    /// give them their hash once, at start. Idempotent; a no-op once done.
    /// </summary>
    public async Task<int> BackfillLookupHashesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var legacy = await db.IssuedKeys.Where(k => k.Hash == null && k.ProtectedValue != null).ToListAsync(ct);
        foreach (var key in legacy)
        {
            key.Hash = SecretFormat.Hash(protector.Unprotect(key.ProtectedValue!));
        }

        return legacy.Count == 0 ? 0 : await db.SaveChangesAsync(ct);
    }

    private async Task<KeyCheck> RefusedAsync(KeyCheck check, string? tenantId, string? keyPrefix, string? ownerTarget, string? ip, KeyUse? use, CancellationToken ct)
    {
        var (action, target) = use is not null
            ? ($"{use.Action}.{check.Outcome.ToString().ToLowerInvariant()}", use.Target)
            : (check.Outcome switch { KeyCheckOutcome.Revoked => "key.useRevoked", KeyCheckOutcome.Expired => "key.useExpired", _ => "key.useRefused" }, ownerTarget);
        if (target is not null && TenantIds.IsValid(tenantId))
        {
            var actor = new Actor(keyPrefix ?? "anonymous", ActorKind.System, tenantId!, TenantRole.Viewer, ip);
            await refusals.RecordAsync(actor, action, target, keyPrefix, ct);
        }

        if (check.Outcome == KeyCheckOutcome.Revoked && check.Key is { } revoked)
        {
            await alerts.RevokedKeyUsedAsync(revoked, ip, ct); // key.used_after_revoke, at most once an hour per key
        }

        return check;
    }

    private static KeyInfo ToInfo(IssuedKey k, bool active) => new(k.Id, k.KeyPrefix, k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, active);
}
