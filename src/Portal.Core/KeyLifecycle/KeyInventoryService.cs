using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Core.ApiClients;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.IntegrationKeys;
using Portal.Core.Keys;
using Portal.Core.Mcp;
using Portal.Core.SigningSecrets;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;

namespace Portal.Core.KeyLifecycle;

/// <summary>
/// Every key of a tenant in one list, across kinds, by prefix and never by secret (DESIGN.md "Key lifecycle policy"):
/// its owner and where it is rotated, its age against the tenant's policy, its last use, a leak report. Rotating from
/// here runs the owner's own rotation (one rule per owner); ending a grace period revokes the replaced key now.
/// Filters and order run in the store through indexes; every query is the actor's tenant only.
/// </summary>
public sealed partial class KeyInventoryService(
    IDbContextFactory<PortalDbContext> dbFactory,
    KeyPolicyService policies,
    KeyUsage usage,
    Refusals refusals,
    WebhookService webhooks,
    SigningSecretService signingSecrets,
    McpSettingsService mcp,
    IntegrationKeyService integrationKeys,
    ApiClientService apiClients,
    Notifications.NotificationEndpointService notificationEndpoints,
    TimeProvider time)
{
    public async Task<Result<Page<KeyInventoryItem>>> ListAsync(Actor actor, KeyInventoryQuery query, Paging paging, CancellationToken ct = default)
    {
        var errors = new ValidationErrors();
        KeyKind? kind = null;
        if (!string.IsNullOrEmpty(query.Kind))
        {
            if (KeyKinds.TryParseWire(query.Kind, out var k))
            {
                kind = k;
            }
            else
            {
                errors.Add("kind", $"'{AuditEvent.Fit(query.Kind, 64)}' is not a kind of key; use one of {string.Join(", ", KeyKinds.All.Select(KeyKinds.WireName))}.");
            }
        }

        if (!string.IsNullOrEmpty(query.Status) && !KeyStatuses.Filters.Contains(query.Status))
        {
            errors.Add("status", $"'{AuditEvent.Fit(query.Status, 64)}' is not a status; use one of {string.Join(", ", KeyStatuses.Filters)}.");
        }

        var sort = string.IsNullOrEmpty(query.Sort) ? "createdAt" : query.Sort;
        var descending = sort.StartsWith('-');
        var sortField = descending ? sort[1..] : sort;
        if (sortField is not ("createdAt" or "lastUsedAt" or "rotationDueAt" or "kind" or "keyPrefix"))
        {
            errors.Add("sort", $"'{AuditEvent.Fit(sort, 64)}' is not an order; use createdAt, lastUsedAt, rotationDueAt, kind or keyPrefix, with '-' in front for descending.");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var tenant = actor.TenantId;
        var policy = await policies.GetAsync(tenant, ct);
        var now = time.NowMs();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.IssuedKeys.AsNoTracking().Where(k => k.TenantId == tenant);
        if (kind is { } only)
        {
            q = q.Where(k => k.Kind == only);
        }

        q = Filter(q, query.Status, policy, now);
        var total = await q.CountAsync(ct);
        var ordered = sortField switch
        {
            "lastUsedAt" => descending ? q.OrderByDescending(k => k.LastUsedAt) : q.OrderBy(k => k.LastUsedAt),
            "kind" => descending ? q.OrderByDescending(k => k.Kind) : q.OrderBy(k => k.Kind),
            "keyPrefix" => descending ? q.OrderByDescending(k => k.KeyPrefix) : q.OrderBy(k => k.KeyPrefix),
            "rotationDueAt" => descending ? q.OrderByDescending(DueAt(policy)) : q.OrderBy(DueAt(policy)),
            _ => descending ? q.OrderByDescending(k => k.CreatedAt) : q.OrderBy(k => k.CreatedAt),
        };
        var rows = await ordered.ThenBy(k => k.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        var owners = await OwnersAsync(db, tenant, rows.Select(r => r.OwnerId), ct);
        var active = await ActiveKeyIdsAsync(db, tenant, rows, ct);
        return new Page<KeyInventoryItem>(rows.Select(r => ToItem(r, owners, active.Contains(r.Id), policy.For(r.Kind), now)).ToList(), total);
    }

    /// <summary>How many of the tenant's keys have each of <paramref name="statuses"/>: one count query each, on one context, nothing else read.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountAsync(Actor actor, IReadOnlyCollection<string> statuses, CancellationToken ct = default)
    {
        var policy = await policies.GetAsync(actor.TenantId, ct);
        var now = time.NowMs();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tenant = actor.TenantId;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var status in statuses)
        {
            counts[status] = await Filter(db.IssuedKeys.AsNoTracking().Where(k => k.TenantId == tenant), status, policy, now).CountAsync(ct);
        }

        return counts;
    }

    /// <summary>One key of the tenant as the inventory shows it; 404 for another tenant's key.</summary>
    public async Task<Result<KeyInventoryItem>> GetAsync(Actor actor, string keyId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await FindAsync(db, actor.TenantId, keyId, tracked: false, ct) is not { } key)
        {
            return NotFound(keyId);
        }

        var policy = await policies.GetAsync(actor.TenantId, ct);
        var owners = await OwnersAsync(db, actor.TenantId, [key.OwnerId], ct);
        var active = await ActiveKeyIdsAsync(db, actor.TenantId, [key], ct);
        return ToItem(key, owners, active.Contains(key.Id), policy.For(key.Kind), time.NowMs());
    }

    /// <summary>
    /// Rotates the owner's current key through the owner's own rotation (the same rule as its page and API), so the
    /// new secret comes back once, here. Only the key in force can be rotated: a replaced or revoked one is a 409 that
    /// names the key to rotate instead.
    /// </summary>
    public async Task<Result<KeyRotatedFromInventory>> RotateAsync(Actor actor, string keyId, int gracePeriodSeconds, string requestBaseUrl, CancellationToken ct = default)
    {
        IssuedKey? key;
        KeyOwnerRef? ownerRef;
        Guid? activeId;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            key = await FindAsync(db, actor.TenantId, keyId, tracked: false, ct);
            if (key is null)
            {
                return NotFound(keyId);
            }

            ownerRef = (await OwnersAsync(db, actor.TenantId, [key.OwnerId], ct)).GetValueOrDefault(key.OwnerId);
            activeId = await db.KeyBindings.AsNoTracking().Where(b => b.TenantId == actor.TenantId && b.OwnerId == key.OwnerId).Select(b => b.ActiveKeyId).FirstOrDefaultAsync(ct);
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "key.rotate", KeyTarget(keyId), ct: ct);
        }

        if (!KeyOwner.TryParse(key.OwnerId, out var parsed) || ownerRef is null || ownerRef.Href is null)
        {
            return Error.Conflict($"Key {key.KeyPrefix} belongs to something that no longer exists; there is nothing to rotate.");
        }

        if (activeId != key.Id)
        {
            return Error.Conflict($"Key {key.KeyPrefix} is no longer the key in force for {ownerRef.DisplayName}; rotate the current key instead (see {ownerRef.Href}).");
        }

        var owner = parsed.Value;
        if (gracePeriodSeconds != 0 && owner.Kind is KeyOwnerKind.Mcp or KeyOwnerKind.Integration or KeyOwnerKind.ApiClient)
        {
            return Error.Validation("gracePeriodSeconds", $"A {KeyKinds.WireName(key.Kind)} is replaced at once; gracePeriodSeconds must be 0 (or left out) for it.");
        }

        var kindName = KeyKinds.WireName(key.Kind);

        // The owner's rotation runs in its own transaction; the key in force is checked again there (KeyEngine), so of two
        // rotations of this key at once one rotates and the other is a 409, never a second rotation of the new key.
        using var expectation = KeyEngine.ExpectActive(key.Id, key.KeyPrefix);
        switch (owner.Kind)
        {
            case KeyOwnerKind.Config:
            {
                var integrationId = await IntegrationOfConfigAsync(actor.TenantId, owner.GuidId!.Value, ct);
                var issued = await webhooks.RotateAsync(actor, integrationId ?? "", owner.GuidId!.Value, gracePeriodSeconds, requestBaseUrl, ct);
                return issued.IsSuccess
                    ? new KeyRotatedFromInventory(kindName, issued.Value!.WebhookKeyPrefix, KeyOfUrl(issued.Value.WebhookUrl), issued.Value.WebhookUrl, ownerRef, issued.Value.PreviousKeyExpiresAt)
                    : issued.Error!;
            }

            case KeyOwnerKind.Binding:
            {
                var (integrationId, configId) = await ConfigOfBindingAsync(actor.TenantId, owner.GuidId!.Value, ct);
                var issued = await webhooks.RotateBindingUrlAsync(actor, integrationId ?? "", configId ?? Guid.Empty, owner.GuidId!.Value, gracePeriodSeconds, requestBaseUrl, ct);
                return issued.IsSuccess
                    ? new KeyRotatedFromInventory(kindName, issued.Value!.WebhookKeyPrefix, KeyOfUrl(issued.Value.WebhookUrl), issued.Value.WebhookUrl, ownerRef, issued.Value.PreviousKeyExpiresAt)
                    : issued.Error!;
            }

            case KeyOwnerKind.SigningSecret:
            {
                var rotated = await signingSecrets.RotateAsync(actor, owner.Id, gracePeriodSeconds, ct);
                return rotated.IsSuccess
                    ? new KeyRotatedFromInventory(kindName, SecretFormat.Display(KeyPrefixes.SigningSecret, rotated.Value!.Token), rotated.Value.Token, null, ownerRef,
                        gracePeriodSeconds > 0 ? rotated.Value.RotatedAt + (gracePeriodSeconds * 1000L) : null)
                    : rotated.Error!;
            }

            case KeyOwnerKind.Mcp:
            {
                var rotated = await mcp.RotateKeyAsync(actor, owner.Id, requestBaseUrl, ct);
                return rotated.IsSuccess && rotated.Value!.ApiKey is { } apiKey
                    ? new KeyRotatedFromInventory(kindName, rotated.Value.KeyPrefix ?? SecretFormat.Display(KeyPrefixes.McpKey, apiKey), apiKey, null, ownerRef, null)
                    : rotated.Error ?? Error.Conflict("The MCP server has no key to rotate.");
            }

            case KeyOwnerKind.Integration:
            {
                var rotated = await integrationKeys.RotateAsync(actor, owner.Id, ct);
                return rotated.IsSuccess
                    ? new KeyRotatedFromInventory(kindName, rotated.Value!.KeyPrefix, rotated.Value.Key, null, ownerRef, null)
                    : rotated.Error!;
            }

            case KeyOwnerKind.ApiClient:
            {
                var rotated = await apiClients.RotateSecretAsync(actor, owner.Id, ct);
                return rotated.IsSuccess
                    ? new KeyRotatedFromInventory(kindName, rotated.Value!.SecretPrefix, rotated.Value.ClientSecret, null, ownerRef, null)
                    : rotated.Error!;
            }

            case KeyOwnerKind.NotificationEndpoint:
            {
                var rotated = await notificationEndpoints.RotateSecretAsync(actor, owner.Id, gracePeriodSeconds, ct);
                return rotated.IsSuccess && rotated.Value!.Secret is { } secret
                    ? new KeyRotatedFromInventory(kindName, rotated.Value.SecretPrefix ?? SecretFormat.Display(KeyPrefixes.SigningSecret, secret), secret, null, ownerRef, rotated.Value.PreviousSecretExpiresAt)
                    : rotated.Error ?? Error.Conflict("The notification endpoint has no secret to rotate.");
            }

            default:
                return Error.Conflict($"Key {key.KeyPrefix} cannot be rotated from here.");
        }
    }

    /// <summary>
    /// Ends a replaced key's grace period now: the key is refused on the very next request, on every instance.
    /// Admin only; audited as <c>key.graceEnded</c>. A key not in a grace period is a 409 that says what it is.
    /// </summary>
    public async Task<Result<KeyInventoryItem>> EndGraceAsync(Actor actor, string keyId, CancellationToken ct = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var key = await FindAsync(db, actor.TenantId, keyId, tracked: true, ct);
            if (key is null)
            {
                return NotFound(keyId);
            }

            if (!actor.IsAdmin)
            {
                return await refusals.ForbiddenAsync(actor, "key.endGrace", KeyTarget(keyId), db, ct);
            }

            var now = time.NowMs();
            if (key.RevokedAt is not null || key.ExpiresAt is not { } expires || expires <= now)
            {
                return Error.Conflict(key.RevokedAt is not null || key.ExpiresAt <= now
                    ? $"Key {key.KeyPrefix} is already refused; there is no grace period to end."
                    : $"Key {key.KeyPrefix} is the key in force, not one in a grace period; rotate it instead.");
            }

            key.RevokedAt = now; // a tracked save: the change feed evicts the key everywhere before this call returns
            db.AuditEvents.Add(AuditEvent.Of(actor, now, "key.graceEnded", KeyTarget(keyId), keyPrefix: key.KeyPrefix));
            Notifications.NotificationEvents.StageKey(db, Notifications.NotificationEvents.KeyRevoked, key, actor.AuditName, now, ("reason", "Its grace period was ended early."));
            await db.SaveChangesAsync(ct); // one save, one transaction: the revocation, its audit row and its event
        }

        return await GetAsync(actor, keyId, ct);
    }

    public static string KeyTarget(string keyId) => $"keys/{keyId}";

    /// <summary>The policy date a key is due by, for ordering in the store: created + the kind's maximum age (keys without one last).</summary>
    private static Expression<Func<IssuedKey, long>> DueAt(KeyPolicySet policy)
    {
        var k = Expression.Parameter(typeof(IssuedKey), "k");
        Expression body = Expression.Constant(long.MaxValue);
        foreach (var kind in KeyKinds.All)
        {
            if (policy.For(kind).MaxAgeDays is { } days)
            {
                body = Expression.Condition(
                    Expression.Equal(Expression.Property(k, nameof(IssuedKey.Kind)), Expression.Constant(kind)),
                    Expression.Add(Expression.Property(k, nameof(IssuedKey.CreatedAt)), Expression.Constant(days * KeyPolicyRules.DayMs)),
                    body);
            }
        }

        return Expression.Lambda<Func<IssuedKey, long>>(body, k);
    }

    /// <summary>Keys created at or before their kind's cutoff (a kind without a cutoff never matches); negated with <paramref name="not"/>.</summary>
    /// <param name="orInForce">Also match every key not in a grace period (<c>ExpiresAt == null</c>).</param>
    private static Expression<Func<IssuedKey, bool>> CreatedBy(IReadOnlyDictionary<KeyKind, long> cutoffs, bool not = false, bool orInForce = false)
    {
        var k = Expression.Parameter(typeof(IssuedKey), "k");
        Expression body = Expression.Constant(false);
        foreach (var (kind, cutoff) in cutoffs)
        {
            var match = Expression.AndAlso(
                Expression.Equal(Expression.Property(k, nameof(IssuedKey.Kind)), Expression.Constant(kind)),
                Expression.LessThanOrEqual(Expression.Property(k, nameof(IssuedKey.CreatedAt)), Expression.Constant(cutoff)));
            body = body is ConstantExpression ? match : Expression.OrElse(body, match);
        }

        if (orInForce)
        {
            var inForce = Expression.Equal(Expression.Property(k, nameof(IssuedKey.ExpiresAt)), Expression.Constant(null, typeof(long?)));
            body = body is ConstantExpression ? inForce : Expression.OrElse(inForce, body);
        }

        return Expression.Lambda<Func<IssuedKey, bool>>(not ? Expression.Not(body) : body, k);
    }

    private static IQueryable<IssuedKey> Filter(IQueryable<IssuedKey> q, string? status, KeyPolicySet policy, long now)
    {
        var expiredCutoffs = new Dictionary<KeyKind, long>();
        var enforcedCutoffs = new Dictionary<KeyKind, long>();
        var dueCutoffs = new Dictionary<KeyKind, long>();
        foreach (var kind in KeyKinds.All)
        {
            var p = policy.For(kind);
            if (p.ExpiredIfCreatedBy(now) is { } expired && p.DueIfCreatedBy(now) is { } due)
            {
                expiredCutoffs[kind] = expired;
                dueCutoffs[kind] = due;
                if (p.Enforce)
                {
                    enforcedCutoffs[kind] = expired;
                }
            }
        }

        // Keys still in force, and not in a grace period: the ones the age policy speaks about.
        IQueryable<IssuedKey> Current() => q.Where(k => k.LeakedAt == null && k.RevokedAt == null && k.ExpiresAt == null);
        var unusedSince = now - (KeyStatuses.UnusedDays * KeyPolicyRules.DayMs);
        return status switch
        {
            KeyStatuses.Leaked => q.Where(k => k.LeakedAt != null),
            KeyStatuses.Revoked => q.Where(k => k.LeakedAt == null && (k.RevokedAt != null || (k.ExpiresAt != null && k.ExpiresAt <= now))),
            // A replaced key past an enforced age is refused already: it is expired, not in grace.
            KeyStatuses.Grace => q.Where(k => k.LeakedAt == null && k.RevokedAt == null && k.ExpiresAt != null && k.ExpiresAt > now).Where(CreatedBy(enforcedCutoffs, not: true)),
            KeyStatuses.Expired => expiredCutoffs.Count == 0 ? q.Where(k => false)
                : q.Where(k => k.LeakedAt == null && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now))
                    .Where(CreatedBy(expiredCutoffs)).Where(CreatedBy(enforcedCutoffs, orInForce: true)),
            KeyStatuses.Due => dueCutoffs.Count == 0 ? q.Where(k => false) : Current().Where(CreatedBy(dueCutoffs)).Where(CreatedBy(expiredCutoffs, not: true)),
            KeyStatuses.Active => dueCutoffs.Count == 0 ? Current() : Current().Where(CreatedBy(dueCutoffs, not: true)),
            KeyStatuses.Unused => q.Where(k => k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now) && (k.LastUsedAt == null || k.LastUsedAt < unusedSince)),
            _ => q.Where(k => (k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now)) || k.LeakedAt != null),
        };
    }

    private KeyInventoryItem ToItem(IssuedKey k, IReadOnlyDictionary<string, KeyOwnerRef> owners, bool active, KeyKindPolicy policy, long now)
    {
        var owner = owners.GetValueOrDefault(k.OwnerId) ?? Unknown(k.OwnerId);
        var due = policy.DueAt(k.CreatedAt);
        var refused = k.RevokedAt is not null || k.ExpiresAt <= now;
        var status = k.LeakedAt is not null ? KeyStatuses.Leaked
            : refused ? KeyStatuses.Revoked
            : policy.Refuses(k.CreatedAt, now) ? KeyStatuses.Expired // refused by the enforced policy, grace period or not
            : k.ExpiresAt is not null ? KeyStatuses.Grace
            : due <= now ? KeyStatuses.Expired
            : policy.WarnFrom(k.CreatedAt) <= now ? KeyStatuses.Due
            : KeyStatuses.Active;
        var uses = k.UseCount + usage.PendingUses(k.Id);
        return new KeyInventoryItem(
            k.Id.ToString(),
            KeyKinds.WireName(k.Kind),
            k.KeyPrefix,
            owner,
            k.CreatedAt,
            usage.LastUsed(k.Id, k.LastUsedAt),
            k.ExpiresAt,
            due,
            k.RevokedAt,
            status,
            active,
            uses,
            k.SupersededAt is null ? null : Math.Max(0, uses - k.UseCountAtSupersede),
            k.LeakedAt is { } leakedAt ? new KeyLeak(k.LeakUrl, leakedAt) : null);
    }

    private static KeyOwnerRef Unknown(string stored) =>
        KeyOwner.TryParse(stored, out var o) ? new KeyOwnerRef(KeyOwnerTypes.Of(o.Value.Kind), o.Value.Id, o.Value.Id, null) : new KeyOwnerRef("unknown", stored, stored, null);

    private static async Task<HashSet<Guid>> ActiveKeyIdsAsync(PortalDbContext db, string tenant, IEnumerable<IssuedKey> keys, CancellationToken ct)
    {
        var ownerIds = keys.Select(k => k.OwnerId).Distinct().ToList();
        var ids = await db.KeyBindings.AsNoTracking()
            .Where(b => b.TenantId == tenant && ownerIds.Contains(b.OwnerId) && b.ActiveKeyId != null)
            .Select(b => b.ActiveKeyId!.Value).ToListAsync(ct);
        return [.. ids];
    }

    /// <summary>The owners of a page of keys, with their display names and the page where each is rotated (one query per kind of owner).</summary>
    private static async Task<Dictionary<string, KeyOwnerRef>> OwnersAsync(PortalDbContext db, string tenant, IEnumerable<string> storedOwners, CancellationToken ct)
    {
        var parsed = storedOwners.Distinct().Select(s => KeyOwner.TryParse(s, out var o) ? o.Value : (KeyOwner?)null).OfType<KeyOwner>().ToList();
        var t = Uri.EscapeDataString(tenant);
        var result = new Dictionary<string, KeyOwnerRef>(StringComparer.Ordinal);

        var bindingIds = parsed.Where(o => o.Kind == KeyOwnerKind.Binding).Select(o => o.GuidId!.Value).ToList();
        var bindings = bindingIds.Count == 0 ? [] : await db.WebhookBindings.AsNoTracking()
            .Where(b => b.TenantId == tenant && bindingIds.Contains(b.Id)).Select(b => new { b.Id, b.ConfigId, b.Name }).ToListAsync(ct);
        var configIds = parsed.Where(o => o.Kind == KeyOwnerKind.Config).Select(o => o.GuidId!.Value).Concat(bindings.Select(b => b.ConfigId)).Distinct().ToList();
        var configs = configIds.Count == 0 ? [] : await db.Configs.AsNoTracking()
            .Where(c => c.TenantId == tenant && configIds.Contains(c.Id)).Select(c => new { c.Id, c.IntegrationId, c.DisplayName }).ToListAsync(ct);
        var integrationIds = parsed.Where(o => o.Kind is KeyOwnerKind.Mcp or KeyOwnerKind.Integration).Select(o => o.Id).ToList();
        var integrations = integrationIds.Count == 0 ? [] : await db.Integrations.AsNoTracking()
            .Where(i => i.TenantId == tenant && integrationIds.Contains(i.Id)).Select(i => new { i.Id, i.DisplayName }).ToListAsync(ct);
        var clientIds = parsed.Where(o => o.Kind == KeyOwnerKind.ApiClient).Select(o => o.Id).ToList();
        var clients = clientIds.Count == 0 ? [] : await db.ApiClients.AsNoTracking()
            .Where(c => c.TenantId == tenant && clientIds.Contains(c.ClientId)).Select(c => new { c.ClientId, c.DisplayName }).ToListAsync(ct);
        var secretNames = parsed.Where(o => o.Kind == KeyOwnerKind.SigningSecret).Select(o => o.Id).ToList();
        var secrets = secretNames.Count == 0 ? [] : await db.SigningSecrets.AsNoTracking()
            .Where(s => s.TenantId == tenant && secretNames.Contains(s.Name)).Select(s => s.Name).ToListAsync(ct);
        var endpointIds = parsed.Where(o => o.Kind == KeyOwnerKind.NotificationEndpoint && Guid.TryParse(o.Id, out _)).Select(o => Guid.Parse(o.Id)).ToList();
        var endpoints = endpointIds.Count == 0 ? [] : await db.NotificationEndpoints.AsNoTracking()
            .Where(e => e.TenantId == tenant && endpointIds.Contains(e.Id)).Select(e => new { e.Id, e.Url }).ToListAsync(ct);

        string ConfigHref(string integrationId, Guid configId) => $"/t/{t}/integrations/{Uri.EscapeDataString(integrationId)}/configs/{configId}";
        foreach (var o in parsed)
        {
            var type = KeyOwnerTypes.Of(o.Kind);
            KeyOwnerRef? found = o.Kind switch
            {
                KeyOwnerKind.Config => configs.FirstOrDefault(c => c.Id == o.GuidId) is { } c
                    ? new KeyOwnerRef(type, o.Id, $"Webhook URL of {c.DisplayName}", ConfigHref(c.IntegrationId, c.Id)) : null,
                KeyOwnerKind.Binding => bindings.FirstOrDefault(b => b.Id == o.GuidId) is { } b && configs.FirstOrDefault(c => c.Id == b.ConfigId) is { } bc
                    ? new KeyOwnerRef(type, o.Id, $"Webhook URL of {bc.DisplayName} / {b.Name}", ConfigHref(bc.IntegrationId, bc.Id)) : null,
                KeyOwnerKind.SigningSecret => secrets.Contains(o.Id)
                    ? new KeyOwnerRef(type, o.Id, $"Signing secret {o.Id}", $"/t/{t}/signing-secrets") : null,
                KeyOwnerKind.Mcp => integrations.FirstOrDefault(i => i.Id == o.Id) is { } mi
                    ? new KeyOwnerRef(type, o.Id, $"MCP server of {mi.DisplayName}", $"/t/{t}/integrations/{Uri.EscapeDataString(mi.Id)}?tab=mcp") : null,
                KeyOwnerKind.Integration => integrations.FirstOrDefault(i => i.Id == o.Id) is { } ii
                    ? new KeyOwnerRef(type, o.Id, $"Integration key of {ii.DisplayName}", $"/t/{t}/integrations/{Uri.EscapeDataString(ii.Id)}?tab=integration-key") : null,
                KeyOwnerKind.ApiClient => clients.FirstOrDefault(c => c.ClientId == o.Id) is { } ac
                    ? new KeyOwnerRef(type, o.Id, $"API client {ac.DisplayName}", $"/t/{t}/api-clients") : null,
                KeyOwnerKind.NotificationEndpoint => endpoints.FirstOrDefault(e => e.Id.ToString() == o.Id) is { } ne
                    ? new KeyOwnerRef(type, o.Id, $"Notification endpoint {Notifications.NotificationEvents.Shown(ne.Url)}", $"/t/{t}/settings/notifications") : null,
                _ => null,
            };
            if (found is not null)
            {
                result[o.Stored] = found;
            }
        }

        return result;
    }

    private static async Task<IssuedKey?> FindAsync(PortalDbContext db, string tenant, string keyId, bool tracked, CancellationToken ct)
    {
        if (!Guid.TryParse(keyId, out var id))
        {
            return null;
        }

        var keys = tracked ? db.IssuedKeys : db.IssuedKeys.AsNoTracking();
        return await keys.FirstOrDefaultAsync(k => k.Id == id && k.TenantId == tenant, ct);
    }

    private async Task<string?> IntegrationOfConfigAsync(string tenant, Guid configId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Configs.AsNoTracking().Where(c => c.TenantId == tenant && c.Id == configId).Select(c => c.IntegrationId).FirstOrDefaultAsync(ct);
    }

    private async Task<(string? IntegrationId, Guid? ConfigId)> ConfigOfBindingAsync(string tenant, Guid bindingId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await db.WebhookBindings.AsNoTracking().Where(b => b.TenantId == tenant && b.Id == bindingId)
            .Join(db.Configs.AsNoTracking(), b => b.ConfigId, c => c.Id, (b, c) => new { c.IntegrationId, ConfigId = c.Id })
            .FirstOrDefaultAsync(ct);
        return (found?.IntegrationId, found?.ConfigId);
    }

    /// <summary>The key inside a webhook URL: its last path segment.</summary>
    private static string KeyOfUrl(string url) => url[(url.LastIndexOf('/') + 1)..];

    private static Error NotFound(string keyId) => Error.NotFound($"Key '{AuditEvent.Fit(keyId, 64)}' was not found in this tenant.");
}
