using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.SigningSecrets;

/// <summary>
/// Seed 003: named Standard Webhooks signing secrets of a tenant. The tokens live in the key engine (owner
/// <c>signing:{name}</c>); this service owns the names. A rotation revokes the previous token at once unless a
/// grace period is asked for.
/// </summary>
public sealed class SigningSecretService(IDbContextFactory<PortalDbContext> dbFactory, KeyEngine keys, Refusals refusals, TimeProvider time)
{
    public static string AuditTarget(string name) => $"signing-secrets/{name}";

    public async Task<Result<SigningSecretCreated>> CreateAsync(Actor actor, SigningSecretInput input, CancellationToken ct = default)
    {
        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "signingSecret.create", "signing-secrets", ct: ct);
        }

        if (!ConfigRules.IsRecordKey(input.Name))
        {
            return Error.Validation("name", $"name {ConfigRules.RecordKeyRule}");
        }

        var name = input.Name!;
        return await dbFactory.RunAsync<SigningSecretCreated>(async db =>
        {
            // A concurrent create of the same name fails our save on the unique name; the unit of work runs again and finds it here.
            if (await db.SigningSecrets.AnyAsync(s => s.TenantId == actor.TenantId && s.Name == name, ct))
            {
                return Duplicate(name);
            }

            db.SigningSecrets.Add(new SigningSecret { TenantId = actor.TenantId, Name = name, CreatedAt = time.NowMs() });

            // The name is ours now; a key still bound to it could only be left over from an interrupted delete, so replace it.
            var minted = await keys.IssueAsync(db, actor, KeyKind.SigningSecret, KeyOwner.ForSigningSecret(name), IssueMode.FirstOrRotate, AuditTarget(name), ct: ct);
            return minted.IsSuccess
                ? new SigningSecretCreated { Name = name, Token = minted.Value!.Secret.Value, CreatedAt = minted.Value.CreatedAt }
                : minted.Error!;
        }, ct);
    }

    public async Task<Page<SigningSecretView>> ListAsync(Actor actor, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.SigningSecrets.AsNoTracking().Where(s => s.TenantId == actor.TenantId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(s => s.Name).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        var owners = rows.Select(r => KeyOwner.ForSigningSecret(r.Name)).ToList();
        var active = await KeyEngine.ActiveAsync(db, actor.TenantId, owners, ct);
        var inGrace = await KeyEngine.InGraceAsync(db, actor.TenantId, owners, time.NowMs(), ct);
        return new Page<SigningSecretView>(rows.Select(r => new SigningSecretView
        {
            Name = r.Name,
            KeyPrefix = active.GetValueOrDefault(KeyOwner.ForSigningSecret(r.Name))?.KeyPrefix,
            PreviousTokens = inGrace.GetValueOrDefault(KeyOwner.ForSigningSecret(r.Name))?
                .Select(k => new PreviousToken(k.KeyPrefix, k.ExpiresAt!.Value, k.LastUsedAt)).ToList() ?? [],
            CreatedAt = r.CreatedAt,
            RotatedAt = r.RotatedAt,
        }).ToList(), total);
    }

    /// <summary>Mints a new token; the previous one stops working now, or after <paramref name="gracePeriodSeconds"/>.</summary>
    public Task<Result<SigningSecretRotated>> RotateAsync(Actor actor, string name, int gracePeriodSeconds = 0, CancellationToken ct = default) =>
        dbFactory.RunAsync<SigningSecretRotated>(async db =>
        {
            var secret = await db.SigningSecrets.FirstOrDefaultAsync(s => s.TenantId == actor.TenantId && s.Name == name, ct);
            if (secret is null)
            {
                return NotFound(name);
            }

            if (!actor.IsAdmin)
            {
                return await refusals.ForbiddenAsync(actor, "signingSecret.rotate", AuditTarget(name), db, ct);
            }

            var minted = await keys.IssueAsync(db, actor, KeyKind.SigningSecret, KeyOwner.ForSigningSecret(name), IssueMode.FirstOrRotate, AuditTarget(name), gracePeriodSeconds, ct: ct);
            if (!minted.IsSuccess)
            {
                return minted.Error!;
            }

            secret.RotatedAt = minted.Value!.CreatedAt; // saved with the new token, in one commit
            return new SigningSecretRotated { Name = name, Token = minted.Value.Secret.Value, RotatedAt = minted.Value.CreatedAt };
        }, ct);

    /// <summary>Deletes the name and revokes its tokens in one transaction.</summary>
    public async Task<Result<bool>> DeleteAsync(Actor actor, string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var secret = await db.SigningSecrets.FirstOrDefaultAsync(s => s.TenantId == actor.TenantId && s.Name == name, ct);
        if (secret is null)
        {
            return NotFound(name);
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "signingSecret.delete", AuditTarget(name), db, ct);
        }

        using var turn = await StoreWriteGate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.SigningSecrets.Remove(secret);
        await keys.RevokeAllAsync(db, actor, KeyOwner.ForSigningSecret(name), AuditTarget(name), ct);
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "signingSecret.delete", AuditTarget(name)));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private static Error NotFound(string name) => Error.NotFound($"Signing secret '{name}' was not found in this tenant.");

    private static Error Duplicate(string name) => Error.Conflict($"A signing secret named '{name}' already exists in this tenant; rotate it instead.");
}
