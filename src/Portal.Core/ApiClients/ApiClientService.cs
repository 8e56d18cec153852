using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.KeyLifecycle;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.ApiClients;

/// <summary>API clients per tenant: create, list, rotate secret, delete; the secret is shown once.</summary>
/// <remarks>A singleton: OpenIddict's manager (and its DbContext) is resolved per operation through <see cref="PerOperation{T}"/>.</remarks>
public sealed class ApiClientService(IDbContextFactory<PortalDbContext> dbFactory, PerOperation<IOpenIddictApplicationManager> applications, Refusals refusals, KeyEngine keys, KeyUsage usage, KeyPolicyService policies, ChangeFeed feed, TimeProvider time)
{
    /// <summary>What <see cref="IsTokenCurrentAsync"/> read, by <c>{tenant}|{owner}|{secret prefix}</c>: see <see cref="TokenStates"/>.</summary>
    private readonly FeedCache<string, TokenState?> _tokenStates = TokenStates(feed, time);

    /// <summary>Rotations of one client run one at a time: concurrent ones would race on OpenIddict's concurrency token.</summary>
    private static readonly KeyedLock Rotations = new();

    public async Task<Result<ApiClientWithSecret>> CreateAsync(Actor actor, ApiClientInput input, CancellationToken ct = default)
    {
        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "apiClient.create", "api-clients", ct: ct);
        }

        var errors = new ValidationErrors();
        errors.CheckDisplayName("displayName", input.DisplayName, 100);

        if (errors.Any)
        {
            return errors.ToError();
        }

        var clientId = "pc_" + SecretFormat.Mint("").Value[..20];
        return await CreateWithIdAsync(actor, clientId, input.DisplayName!.Trim(), input.Role ?? TenantRole.Viewer, SecretFormat.Mint(KeyPrefixes.ApiClientSecret), ct);
    }

    /// <summary>Creates or re-keys the bootstrap client from configuration (idempotent).</summary>
    public async Task EnsureAsync(string tenantId, string clientId, string clientSecret, CancellationToken ct = default)
    {
        var secret = new Secret(clientSecret, SecretFormat.Display(KeyPrefixes.ApiClientSecret, clientSecret));
        await using var db = await dbFactory.CreateDbContextAsync(ct);

        // The ledger's refusals come before anything is rewritten (OpenIddict's application is shared by every instance):
        // a key the ledger holds for something else, or one reported leaked that is no longer in force, stops the start.
        var hash = SecretFormat.Hash(clientSecret);
        var ownerId = KeyOwner.ForApiClient(clientId).Stored;
        var recordedKey = await db.IssuedKeys.FirstOrDefaultAsync(k => k.Hash == hash, ct);
        if (recordedKey is not null && recordedKey.OwnerId != ownerId)
        {
            throw new InvalidOperationException($"The configured bootstrap API client secret of '{clientId}' is a key the portal issued for something else; set a secret of its own.");
        }

        if (recordedKey is { LeakedAt: not null }
            && KeyEngine.ReinstateRefusal(recordedKey, await db.KeyBindings.AnyAsync(b => b.TenantId == recordedKey.TenantId && b.OwnerId == ownerId && b.ActiveKeyId == recordedKey.Id, ct)) is { } refusal)
        {
            throw new InvalidOperationException($"The configured bootstrap API client secret of '{clientId}' cannot be used: {refusal.Detail}");
        }

        var updated = await applications.RunAsync(async manager =>
        {
            if (await manager.FindByClientIdAsync(clientId, ct) is not { } existing)
            {
                return false;
            }

            // The stored hash already matches on every start but the first after a change: verify, and re-hash and
            // write only when the configured secret differs (configuration stays authoritative).
            if (!await manager.ValidateClientSecretAsync(existing, clientSecret, ct))
            {
                await manager.UpdateAsync(existing, clientSecret, ct);
            }

            return true;
        });
        if (!updated)
        {
            await CreateWithIdAsync(Actor.System(tenantId), clientId, "Bootstrap API client", TenantRole.Admin, secret, ct);
            return;
        }

        var client = await db.ApiClients.FirstOrDefaultAsync(c => c.ClientId == clientId, ct);
        if (client is null)
        {
            return;
        }

        var recorded = recordedKey is not null;
        var actor = Actor.System(client.TenantId);
        var reinstated = false;
        if (recordedKey is not null)
        {
            // Set back to a secret the ledger holds: it is the key in force again (the one in between is revoked), or the
            // tokens of the configured secret would be refused as those of a rotated-away key.
            var back = await keys.ReinstateAsync(db, actor, recordedKey, Target(clientId), ct);
            if (!back.IsSuccess)
            {
                throw new InvalidOperationException($"The configured bootstrap API client secret of '{clientId}' cannot be used: {back.Error!.Detail}");
            }

            reinstated = back.Value;
        }

        if (client.SecretPrefix != secret.DisplayPrefix || !recorded || reinstated)
        {
            // A changed configured secret (or one recorded before the key ledger): the tokens of the old secret stop, as after a rotation.
            if (!recorded)
            {
                await keys.IssueAsync(db, actor, KeyKind.ApiClientSecret, KeyOwner.ForApiClient(clientId), IssueMode.FirstOrRotate, Target(clientId), given: secret, ct: ct);
            }

            if (client.SecretPrefix != secret.DisplayPrefix)
            {
                client.SecretPrefix = secret.DisplayPrefix;
                client.SecretRotatedAt = time.NowMs();
                db.AuditEvents.Add(AuditEvent.Of(actor, client.SecretRotatedAt.Value, "apiClient.rotateSecret", Target(clientId), keyPrefix: secret.DisplayPrefix));
                if (recordedKey is not null && !reinstated)
                {
                    // Back to a secret the ledger already holds: no key is issued, so the key is saved as changed, to be
                    // announced as any key change is (every instance forgets the client's tokens, see TokenStates).
                    db.Entry(recordedKey).Property(k => k.OwnerId).IsModified = true;
                }
            }

            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>
    /// Whether a client whose secret OpenIddict has just verified may have a token, and the secret prefix the token
    /// carries. Refused when the presented secret is no longer the client's key in force (a rotation committed between
    /// OpenIddict's check and this one: the token would otherwise carry the new secret's prefix and outlive the rotation
    /// it raced), when the secret was revoked (a leak report), or when it is older than the tenant's enforced maximum age.
    /// The prefix is the one of the key the presented secret matched, read in the same query. A token issued counts as a
    /// use of the secret.
    /// </summary>
    public async Task<TokenRequestCheck> CheckTokenRequestAsync(ApiClient client, string presentedSecret, string? ip, CancellationToken ct = default)
    {
        var ownerId = KeyOwner.ForApiClient(client.ClientId).Stored;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = await db.KeyBindings.AsNoTracking().Where(b => b.TenantId == client.TenantId && b.OwnerId == ownerId)
            .Join(db.IssuedKeys.AsNoTracking(), b => b.ActiveKeyId, k => (Guid?)k.Id, (b, k) => k).FirstOrDefaultAsync(ct);
        if (key is null)
        {
            // A client from before the key ledger: OpenIddict's check is the only one until its next rotation.
            return new TokenRequestCheck(null, client.SecretPrefix);
        }

        var now = time.NowMs();
        var actor = new Actor(client.ClientId, ActorKind.ApiClient, client.TenantId, TenantRole.Viewer, ip);
        if (!string.Equals(key.Hash, SecretFormat.Hash(presentedSecret), StringComparison.Ordinal))
        {
            await refusals.RecordAsync(actor, "apiClient.refused.superseded", Target(client.ClientId), SecretFormat.Display(KeyPrefixes.ApiClientSecret, presentedSecret), ct);
            return new TokenRequestCheck("The client's secret was rotated while this token was requested; request a token with the secret the rotation returned.", key.KeyPrefix);
        }

        if (key.RevokedAt is not null)
        {
            await refusals.RecordAsync(actor, "apiClient.refused.revoked", Target(client.ClientId), key.KeyPrefix, ct);
            return new TokenRequestCheck("The client's secret was revoked (it was reported leaked); an Admin must rotate it.", key.KeyPrefix);
        }

        if ((await policies.GetAsync(client.TenantId, ct)).For(KeyKind.ApiClientSecret).Refuses(key.CreatedAt, now))
        {
            await refusals.RecordAsync(actor, "apiClient.refused.expired", Target(client.ClientId), key.KeyPrefix, ct);
            return new TokenRequestCheck("The client's secret is older than the tenant's key policy allows; an Admin must rotate it.", key.KeyPrefix);
        }

        usage.Record(key.Id, now);
        return new TokenRequestCheck(null, key.KeyPrefix);
    }

    public async Task<Page<ApiClientView>> ListAsync(Actor actor, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.ApiClients.AsNoTracking().Where(c => c.TenantId == actor.TenantId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(c => c.CreatedAt).ThenBy(c => c.ClientId).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        return new Page<ApiClientView>(rows.Select(ToView).ToList(), total);
    }

    public async Task<Result<ApiClientWithSecret>> RotateSecretAsync(Actor actor, string clientId, CancellationToken ct = default)
    {
        using var turn = await Rotations.AcquireAsync(clientId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (client, error) = await FindForChangeAsync(db, actor, "apiClient.rotateSecret", clientId, ct);
        if (error is not null)
        {
            return error;
        }

        var minted = await keys.IssueAsync(db, actor, KeyKind.ApiClientSecret, KeyOwner.ForApiClient(clientId), IssueMode.FirstOrRotate, Target(clientId), ct: ct);
        if (!minted.IsSuccess)
        {
            return minted.Error!;
        }

        var secret = minted.Value!.Secret;
        try
        {
            await applications.RunAsync(async manager =>
            {
                var application = await manager.FindByClientIdAsync(clientId, ct)
                    ?? throw new InvalidOperationException($"API client {clientId} has no OpenIddict application.");
                await manager.UpdateAsync(application, secret.Value, ct);
            });
            client!.SecretPrefix = secret.DisplayPrefix;
            client.SecretRotatedAt = time.NowMs();
            db.AuditEvents.Add(AuditEvent.Of(actor, client.SecretRotatedAt.Value, "apiClient.rotateSecret", $"api-clients/{clientId}", keyPrefix: secret.DisplayPrefix));
            await db.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ex is OpenIddictExceptions.ConcurrencyException or DbUpdateConcurrencyException)
        {
            // Another instance rotated this client at the same moment; its secret is the one in force.
            return Error.Conflict($"API client '{clientId}' was rotated by another request at the same time; use the secret that request returned, or rotate again.");
        }

        return WithSecret(client, secret);
    }

    public async Task<Result<bool>> DeleteAsync(Actor actor, string clientId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (client, error) = await FindForChangeAsync(db, actor, "apiClient.delete", clientId, ct);
        if (error is not null)
        {
            return error;
        }

        await applications.RunAsync(async manager =>
        {
            if (await manager.FindByClientIdAsync(clientId, ct) is { } application)
            {
                await manager.DeleteAsync(application, ct);
            }
        });

        await keys.RevokeAllAsync(db, actor, KeyOwner.ForApiClient(clientId), Target(clientId), ct);
        db.ApiClients.Remove(client!);
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "apiClient.delete", $"api-clients/{clientId}", keyPrefix: client!.SecretPrefix));
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// Whether a token's client still exists in its tenant with the secret the token was issued against (from memory
    /// after the first read, see <see cref="TokenStates"/>; the read is one round trip: the client by its primary key,
    /// its ledger entry by index): a rotation or a deletion ends every token issued before it, and so does a leak report
    /// (the secret revoked) or an enforced age policy the secret no longer meets.
    /// </summary>
    /// <param name="issuedAt">The token's issue time (its <c>iat</c>, Unix milliseconds): a token of a secret that was
    /// replaced and then set back (<see cref="KeyEngine.ReinstateAsync"/>) from before it was set back stays ended.</param>
    public async Task<bool> IsTokenCurrentAsync(string clientId, string tenantId, string secretPrefix, long? issuedAt, CancellationToken ct = default)
    {
        var owner = KeyOwner.ForApiClient(clientId).Stored;
        var found = await _tokenStates.GetAsync($"{tenantId}|{owner}|{secretPrefix}", async (_, c) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(c);
            return await TokenStateQuery(db, clientId, tenantId, secretPrefix, owner);
        }, KeepFor, ct);
        if (found is null)
        {
            return false;
        }

        // The key is in force since after it was made: it was set back after a replacement. iat has whole seconds, so a
        // token of the same second as that is let through; one from a whole second before is not.
        if (found is { InForceSince: { } since, KeyCreatedAt: { } made } && since > made && (issuedAt is not { } iat || iat + 1000 <= since))
        {
            return false;
        }

        return found.KeyCreatedAt is not { } createdAt // a client from before the key ledger
            || (found.KeyRevokedAt is null && !(await policies.GetAsync(tenantId, ct)).For(KeyKind.ApiClientSecret).Refuses(createdAt, time.NowMs()));
    }

    /// <summary>
    /// Every bearer request asks <see cref="IsTokenCurrentAsync"/>, so its answer comes from memory after the first read
    /// (it was a store round trip and a context per API call: 8 % of the Portal's CPU under the bench's mixed load).
    /// Kept true as the key cache is (DESIGN.md "The hot path"): whatever ends a token (a rotation, a deletion, a leak
    /// report, a revocation) issues or revokes a key of the client, and that change, announced at commit in process and
    /// to every instance (the changing call waits, up to 2 s, until every listening instance has acknowledged it),
    /// evicts the client's entries before the next request is checked; while the change feed is down
    /// nothing is kept and every check reads the store. The age policy is applied at each check, to the key's creation
    /// time. A client from before the key ledger (no key to announce its deletion) is never kept.
    /// </summary>
    private static FeedCache<string, TokenState?> TokenStates(ChangeFeed feed, TimeProvider time)
    {
        var cache = new FeedCache<string, TokenState?>(feed, time, 100_000, StringComparer.Ordinal);
        var clientOwners = KeyOwner.ForApiClient("").Stored;
        feed.Changed += change =>
        {
            if (change.Topic == ChangeTopic.Key && change.Owner is { } owner && owner.Contains("|" + clientOwners, StringComparison.Ordinal))
            {
                var prefix = owner + "|";
                cache.EvictWhere((key, _) => key.StartsWith(prefix, StringComparison.Ordinal));
            }
        };
        return cache;
    }

    /// <summary>A current token's state is kept until a change evicts it; "gone or another secret" is kept a minute (a change of the client evicts it sooner); a pre-ledger client is not kept.</summary>
    private static TimeSpan? KeepFor(TokenState? state) =>
        state is null ? TimeSpan.FromMinutes(1) : state.KeyCreatedAt is null ? TimeSpan.Zero : null;

    /// <summary>What <see cref="IsTokenCurrentAsync"/> reads: null when the client is gone or has another secret.</summary>
    private sealed record TokenState(long? KeyCreatedAt, long? KeyRevokedAt, long? InForceSince);

    /// <summary>
    /// Every bearer request runs it, so it is compiled: EF Core then neither walks the expression tree for its
    /// parameters nor looks its plan up (a profile under the mixed load showed both as most of the check's CPU). One
    /// round trip: the client row and its secret's ledger entry as scalar subqueries (SQLite has no APPLY for a
    /// two-column one).
    /// </summary>
    private static readonly Expression<Func<PortalDbContext, string, string, string, string, TokenState?>> TokenStateExpression =
        (db, clientId, tenantId, secretPrefix, ownerId) => db.ApiClients.AsNoTracking()
            .Where(c => c.ClientId == clientId && c.TenantId == tenantId && c.SecretPrefix == secretPrefix)
            .Select(c => new TokenState(
                db.IssuedKeys.Where(k => k.TenantId == tenantId && k.OwnerId == ownerId && k.KeyPrefix == secretPrefix)
                    .Select(k => (long?)k.CreatedAt).FirstOrDefault(),
                db.IssuedKeys.Where(k => k.TenantId == tenantId && k.OwnerId == ownerId && k.KeyPrefix == secretPrefix)
                    .Select(k => k.RevokedAt).FirstOrDefault(),
                // When the binding last changed, if this key is the one in force.
                db.KeyBindings.Where(b => b.TenantId == tenantId && b.OwnerId == ownerId && b.ActiveKeyId ==
                        db.IssuedKeys.Where(k => k.TenantId == tenantId && k.OwnerId == ownerId && k.KeyPrefix == secretPrefix).Select(k => (Guid?)k.Id).FirstOrDefault())
                    .Select(b => b.RotatedAt).FirstOrDefault()))
            .FirstOrDefault();

    /// <summary>
    /// One compiled query per provider: a compiled query keeps the SQL of the store it first ran on, and one process may
    /// hold both (the test suite runs SQLite and PostgreSQL portals side by side); each store gets its own.
    /// </summary>
    private static readonly Func<PortalDbContext, string, string, string, string, Task<TokenState?>> TokenStateOnSqlite = EF.CompileAsyncQuery(TokenStateExpression);
    private static readonly Func<PortalDbContext, string, string, string, string, Task<TokenState?>> TokenStateOnPostgres = EF.CompileAsyncQuery(TokenStateExpression);

    private static Task<TokenState?> TokenStateQuery(PortalDbContext db, string clientId, string tenantId, string secretPrefix, string ownerId) =>
        (db.Database.IsNpgsql() ? TokenStateOnPostgres : TokenStateOnSqlite)(db, clientId, tenantId, secretPrefix, ownerId);

    /// <summary>The tenant and role a token for this client carries; null when the client is gone.</summary>
    public async Task<ApiClient?> FindAsync(string clientId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiClients.AsNoTracking().FirstOrDefaultAsync(c => c.ClientId == clientId, ct);
    }

    private async Task<ApiClientWithSecret> CreateWithIdAsync(Actor actor, string clientId, string displayName, TenantRole role, Secret secret, CancellationToken ct)
    {
        await applications.RunAsync(manager => manager.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret.Value,
            ClientType = OpenIddictConstants.ClientTypes.Confidential,
            DisplayName = displayName,
            Permissions =
            {
                OpenIddictConstants.Permissions.Endpoints.Token,
                OpenIddictConstants.Permissions.GrantTypes.ClientCredentials,
            },
        }, ct).AsTask());

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var client = new ApiClient
        {
            ClientId = clientId,
            TenantId = actor.TenantId,
            DisplayName = displayName,
            Role = role,
            SecretPrefix = secret.DisplayPrefix,
            CreatedAt = time.NowMs(),
        };
        db.ApiClients.Add(client);
        await keys.IssueAsync(db, actor, KeyKind.ApiClientSecret, KeyOwner.ForApiClient(clientId), IssueMode.FirstOrRotate, Target(clientId), given: secret, ct: ct);
        db.AuditEvents.Add(AuditEvent.Of(actor, client.CreatedAt, "apiClient.create", $"api-clients/{clientId}", keyPrefix: secret.DisplayPrefix));
        await db.SaveChangesAsync(ct);
        return WithSecret(client, secret);
    }

    /// <summary>The tenant's client, 404 before 403 so another tenant's client does not leak.</summary>
    private async Task<(ApiClient? Client, Error? Error)> FindForChangeAsync(PortalDbContext db, Actor actor, string operation, string clientId, CancellationToken ct)
    {
        var client = await db.ApiClients.FirstOrDefaultAsync(c => c.TenantId == actor.TenantId && c.ClientId == clientId, ct);
        return client is null ? (null, NotFound(clientId))
            : actor.IsAdmin ? (client, null)
            : (null, await refusals.ForbiddenAsync(actor, operation, $"api-clients/{clientId}", db, ct));
    }

    private static string Target(string clientId) => $"api-clients/{clientId}";

    private static Error NotFound(string clientId) => Error.NotFound($"API client '{clientId}' was not found in this tenant.");

    private static ApiClientView ToView(ApiClient c) => new(c.ClientId, c.DisplayName, c.Role, c.SecretPrefix, c.CreatedAt, c.SecretRotatedAt);

    private static ApiClientWithSecret WithSecret(ApiClient c, Secret secret) => new(c.ClientId, secret.Value, c.DisplayName, c.Role, c.SecretPrefix, c.CreatedAt, c.SecretRotatedAt);
}
