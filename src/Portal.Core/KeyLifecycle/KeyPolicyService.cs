using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.KeyLifecycle;

/// <summary>A tenant's age and leak policy for every kind of key, by wire name (<c>webhook_key</c>, …).</summary>
public sealed class KeyPolicySet : Dictionary<string, KeyKindPolicy>
{
    public KeyPolicySet()
        : base(StringComparer.Ordinal)
    {
    }

    public KeyKindPolicy For(KeyKind kind) => TryGetValue(KeyKinds.WireName(kind), out var p) ? p : KeyKindPolicy.Default;
}

/// <summary>
/// Per tenant and kind: how old a key may get, when it shows "rotation due", whether an old key is refused, and what a
/// leak report does (DESIGN.md "Key lifecycle policy"). Read on the hot path from memory (<see cref="FeedCache{TKey,TValue}"/>),
/// evicted on every instance when a policy changes.
/// </summary>
public sealed class KeyPolicyService
{
    private readonly IDbContextFactory<PortalDbContext> _dbFactory;
    private readonly Refusals _refusals;
    private readonly TimeProvider _time;
    private readonly FeedCache<string, KeyPolicySet> _cache;

    public KeyPolicyService(IDbContextFactory<PortalDbContext> dbFactory, Refusals refusals, ChangeFeed feed, TimeProvider time)
    {
        _dbFactory = dbFactory;
        _refusals = refusals;
        _time = time;
        _cache = new FeedCache<string, KeyPolicySet>(feed, time, 100_000, StringComparer.Ordinal);
        feed.Changed += change =>
        {
            if (change.Topic == ChangeTopic.Setup && change.Id == "KeyPolicies")
            {
                _cache.Clear();
            }
        };
    }

    /// <summary>The tenant's policy for every kind (defaults where none was set), from memory after the first read.</summary>
    public async ValueTask<KeyPolicySet> GetAsync(string tenantId, CancellationToken ct = default) =>
        await _cache.GetAsync(tenantId, LoadAsync, _ => null, ct);

    /// <summary>
    /// Changes the policy of the kinds the body names (<c>{"webhook_key": {"maxAgeDays": 90, …}, …}</c>); kinds and
    /// fields left out keep their value, <c>"maxAgeDays": null</c> removes the limit. Admin only; audited.
    /// </summary>
    public async Task<Result<KeyPolicySet>> UpdateAsync(Actor actor, JsonElement body, CancellationToken ct = default)
    {
        if (!actor.IsAdmin)
        {
            return await _refusals.ForbiddenAsync(actor, "keyPolicy.update", KeyPolicyTarget(actor.TenantId), ct: ct);
        }

        var errors = new ValidationErrors();
        var changes = Parse(body, errors);
        var current = await LoadAsync(actor.TenantId, ct);
        var next = new Dictionary<KeyKind, KeyKindPolicy>();
        foreach (var (kind, input) in changes)
        {
            var was = current.For(kind);
            var policy = new KeyKindPolicy(
                input.ClearMaxAge ? null : input.MaxAgeDays ?? was.MaxAgeDays,
                input.WarnDays ?? was.WarnDays,
                input.Enforce ?? was.Enforce,
                input.OnLeak ?? was.OnLeak);
            var name = KeyKinds.WireName(kind);
            if (!errors.Has($"{name}.warnDays") && !errors.Has($"{name}.maxAgeDays"))
            {
                Check(kind, policy, errors); // the merged policy: the stored fields with the body's (already in range)
            }

            next[kind] = policy;
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        return await SaveAsync(actor, next, ct);
    }

    /// <summary>Sets the whole policy of the kinds given (the settings page's form). Admin only; audited.</summary>
    public async Task<Result<KeyPolicySet>> SetAsync(Actor actor, IReadOnlyDictionary<KeyKind, KeyKindPolicy> policies, CancellationToken ct = default)
    {
        if (!actor.IsAdmin)
        {
            return await _refusals.ForbiddenAsync(actor, "keyPolicy.update", KeyPolicyTarget(actor.TenantId), ct: ct);
        }

        var errors = new ValidationErrors();
        foreach (var (kind, p) in policies)
        {
            Check(kind, p, errors);
        }

        return errors.Any ? errors.ToError() : await SaveAsync(actor, policies, ct);
    }

    public static string KeyPolicyTarget(string tenantId) => $"tenants/{tenantId}/key-policy";

    /// <summary>The rules of one kind's whole policy, in one place: ranges, and a warning shorter than the age.</summary>
    private static void Check(KeyKind kind, KeyKindPolicy p, ValidationErrors errors)
    {
        var name = KeyKinds.WireName(kind);
        if (p.MaxAgeDays is < 1 or > KeyPolicyRules.MaxDays)
        {
            errors.Add($"{name}.maxAgeDays", $"maxAgeDays must be between 1 and {KeyPolicyRules.MaxDays}, or empty for no limit.");
        }

        if (p.WarnDays is < 0 or > KeyPolicyRules.MaxDays)
        {
            errors.Add($"{name}.warnDays", $"warnDays must be between 0 and {KeyPolicyRules.MaxDays}.");
        }
        else if (p.MaxAgeDays is { } max and >= 1 && p.WarnDays >= max)
        {
            errors.Add($"{name}.warnDays", $"warnDays ({p.WarnDays}) must be less than maxAgeDays ({max}), or every new key would be due at once.");
        }
    }

    private async Task<Result<KeyPolicySet>> SaveAsync(Actor actor, IReadOnlyDictionary<KeyKind, KeyKindPolicy> policies, CancellationToken ct)
    {
        var now = _time.NowMs();
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var rows = await db.KeyPolicies.Where(p => p.TenantId == actor.TenantId).ToListAsync(ct);
        foreach (var (kind, p) in policies)
        {
            var row = rows.FirstOrDefault(r => r.Kind == kind);
            if (row is null)
            {
                db.KeyPolicies.Add(row = new KeyPolicy { TenantId = actor.TenantId, Kind = kind });
            }

            row.MaxAgeDays = p.MaxAgeDays;
            row.WarnDays = p.WarnDays;
            row.Enforce = p.Enforce;
            row.OnLeak = p.OnLeak;
            row.ModifiedAt = now;
        }

        db.AuditEvents.Add(AuditEvent.Of(actor, now, "keyPolicy.update", KeyPolicyTarget(actor.TenantId)));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            // Two first saves of the same kind at once: the other one's row is in place; ask to try again on it.
            return Error.Conflict("The key policy was being changed by another request at the same time; try again.");
        }

        return await LoadAsync(actor.TenantId, ct);
    }

    private async Task<KeyPolicySet> LoadAsync(string tenantId, CancellationToken ct)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var rows = await db.KeyPolicies.AsNoTracking().Where(p => p.TenantId == tenantId).ToListAsync(ct);
        var set = new KeyPolicySet();
        foreach (var kind in KeyKinds.All)
        {
            var row = rows.FirstOrDefault(r => r.Kind == kind);
            set[KeyKinds.WireName(kind)] = row is null ? KeyKindPolicy.Default : new KeyKindPolicy(row.MaxAgeDays, row.WarnDays, row.Enforce, row.OnLeak);
        }

        return set;
    }

    /// <summary>Reads a policy update: an object of kinds, each an object of known fields with values in range; every problem is named by its path.</summary>
    private static Dictionary<KeyKind, KeyKindPolicyInput> Parse(JsonElement body, ValidationErrors errors)
    {
        var changes = new Dictionary<KeyKind, KeyKindPolicyInput>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "The body must be a JSON object of kinds, e.g. {\"webhook_key\": {\"maxAgeDays\": 90, \"warnDays\": 14, \"enforce\": false, \"onLeak\": \"revoke\"}}.");
            return changes;
        }

        var kinds = string.Join(", ", KeyKinds.All.Select(KeyKinds.WireName));
        foreach (var kindProperty in body.EnumerateObject())
        {
            var name = Fit(kindProperty.Name);
            if (!KeyKinds.TryParseWire(kindProperty.Name, out var kind))
            {
                errors.Add(name, $"'{name}' is not a kind of key; use one of {kinds}.");
                continue;
            }

            if (kindProperty.Value.ValueKind != JsonValueKind.Object)
            {
                errors.Add(name, $"{name} must be an object with maxAgeDays, warnDays, enforce and onLeak.");
                continue;
            }

            var input = new KeyKindPolicyInput();
            foreach (var field in kindProperty.Value.EnumerateObject())
            {
                var path = $"{name}.{Fit(field.Name)}";
                var v = field.Value;
                switch (field.Name)
                {
                    case "maxAgeDays" when v.ValueKind == JsonValueKind.Null:
                        input.ClearMaxAge = true;
                        break;
                    case "maxAgeDays":
                        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var max) && max is >= 1 and <= KeyPolicyRules.MaxDays)
                        {
                            input.MaxAgeDays = max;
                        }
                        else
                        {
                            errors.Add(path, $"maxAgeDays must be a whole number of days between 1 and {KeyPolicyRules.MaxDays}, or null for no limit.");
                        }

                        break;
                    case "warnDays":
                        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var warn) && warn is >= 0 and <= KeyPolicyRules.MaxDays)
                        {
                            input.WarnDays = warn;
                        }
                        else
                        {
                            errors.Add(path, $"warnDays must be a whole number of days between 0 and {KeyPolicyRules.MaxDays}.");
                        }

                        break;
                    case "enforce":
                        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False)
                        {
                            input.Enforce = v.GetBoolean();
                        }
                        else
                        {
                            errors.Add(path, "enforce must be true or false.");
                        }

                        break;
                    case "onLeak":
                        if (v.ValueKind == JsonValueKind.String && v.GetString() is "revoke" or "notify")
                        {
                            input.OnLeak = v.GetString() == "revoke" ? LeakAction.Revoke : LeakAction.Notify;
                        }
                        else
                        {
                            errors.Add(path, "onLeak must be \"revoke\" or \"notify\".");
                        }

                        break;
                    default:
                        errors.Add(path, $"'{Fit(field.Name)}' is not a policy field; use maxAgeDays, warnDays, enforce or onLeak.");
                        break;
                }
            }

            changes[kind] = input;
        }

        return changes;
    }

    private static string Fit(string name) => AuditEvent.Fit(name, 64)!;
}
