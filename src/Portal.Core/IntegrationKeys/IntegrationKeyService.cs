using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.IntegrationKeys;

/// <summary>
/// Seed 004: the API key of an integration (<c>integsk_</c>, encrypted in the key engine, owner <c>integration:{id}</c>).
/// Like Svix, an integration always has a key once asked for one: the first rotation mints it. Reading it back is
/// Admin only and every read is audited. As a bearer token the key grants <see cref="Scope"/> on its own integration only
/// (seed 004: "Integration keys grant scoped access to manage an application's webhook configuration").
/// </summary>
public sealed class IntegrationKeyService(IDbContextFactory<PortalDbContext> dbFactory, KeyEngine keys)
{
    /// <summary>The scope every integration key carries: read the integration and its configs, manage its webhook URLs, bindings and inbox.</summary>
    public const string Scope = "webhooks:manage";

    /// <summary>The integration an integration key belongs to, from its stored owner; null for any other owner.</summary>
    public static string? IntegrationOf(string storedOwner) =>
        KeyOwner.TryParse(storedOwner, out var owner) && owner.Value.Kind == KeyOwnerKind.Integration ? owner.Value.Id : null;

    public static string AuditTarget(string integrationId) => $"integrations/{integrationId}/key";

    /// <summary>What the UI shows: the prefix and when the key was issued, never the key.</summary>
    public async Task<Result<IntegrationKeyStatus>> StatusAsync(Actor actor, string integrationId, CancellationToken ct = default)
    {
        if (await FindAsync(actor, integrationId, ct) is { } missing)
        {
            return missing;
        }

        var history = await keys.ListAsync(actor.TenantId, KeyOwner.ForIntegration(integrationId), ct);
        var active = history.FirstOrDefault(k => k.Active);
        return new IntegrationKeyStatus
        {
            IntegrationId = integrationId,
            KeyPrefix = active?.KeyPrefix,
            IssuedAt = active?.CreatedAt,
            PreviousKeys = history.Count(k => !k.Active),
        };
    }

    /// <summary>Mints a new key (the first one when none exists); the previous key stops working at once.</summary>
    public Task<Result<IntegrationKeyRotated>> RotateAsync(Actor actor, string integrationId, CancellationToken ct = default) =>
        dbFactory.RunAsync<IntegrationKeyRotated>(async db =>
        {
            if (await FindAsync(db, actor, integrationId, ct) is { } missing)
            {
                return missing;
            }

            var minted = await keys.IssueAsync(db, actor, KeyKind.IntegrationKey, KeyOwner.ForIntegration(integrationId), IssueMode.FirstOrRotate, AuditTarget(integrationId), scopes: [Scope], ct: ct);
            return minted.IsSuccess
                ? new IntegrationKeyRotated { Key = minted.Value!.Secret.Value, KeyPrefix = minted.Value.Secret.DisplayPrefix, IssuedAt = minted.Value.CreatedAt }
                : minted.Error!;
        }, ct);

    /// <summary>Reads the active key back: Admin only, audited as <c>key.reveal</c> (refusals too).</summary>
    public async Task<Result<Secret>> RevealAsync(Actor actor, string integrationId, CancellationToken ct = default)
    {
        if (await FindAsync(actor, integrationId, ct) is { } missing)
        {
            return missing;
        }

        var revealed = await keys.RevealActiveAsync(actor, KeyOwner.ForIntegration(integrationId), AuditTarget(integrationId), ct);
        return revealed.IsSuccess || revealed.Error!.Kind != ErrorKind.NotFound
            ? revealed
            : Error.NotFound($"Integration '{integrationId}' has no key yet: rotate it to mint the first one.");
    }

    private async Task<Error?> FindAsync(Actor actor, string integrationId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await FindAsync(db, actor, integrationId, ct);
    }

    private static async Task<Error?> FindAsync(PortalDbContext db, Actor actor, string integrationId, CancellationToken ct) =>
        await db.Integrations.AnyAsync(i => i.TenantId == actor.TenantId && i.Id == integrationId, ct)
            ? null
            : Error.NotFound($"Integration '{integrationId}' was not found in this tenant.");
}

/// <summary>An integration's key as the portal shows it.</summary>
public sealed record IntegrationKeyStatus
{
    public required string IntegrationId { get; init; }

    /// <summary>Null until the first rotation mints a key.</summary>
    public required string? KeyPrefix { get; init; }

    /// <summary>When the active key was minted (the last rotation), epoch milliseconds.</summary>
    public required long? IssuedAt { get; init; }

    /// <summary>How many keys this one replaced; all of them are revoked.</summary>
    public required int PreviousKeys { get; init; }
}

/// <summary>The result of a rotation: the only object, besides an audited read, that carries the key.</summary>
public sealed record IntegrationKeyRotated
{
    public required string Key { get; init; }
    public required string KeyPrefix { get; init; }
    public required long IssuedAt { get; init; }

    /// <summary>Never prints the key, should the record reach a log line or a message.</summary>
    public override string ToString() => $"IntegrationKeyRotated {{ KeyPrefix = {KeyPrefix}, Key = (redacted) }}";
}
