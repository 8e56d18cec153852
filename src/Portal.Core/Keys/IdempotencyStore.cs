using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Keys;

/// <summary>
/// Idempotency-Key for mint/rotate requests: the first response is kept (encrypted, it holds a secret) for 24 h;
/// a retry with the same key and body gets it again, the same key with another body is refused.
/// </summary>
public sealed class IdempotencyStore(IDbContextFactory<PortalDbContext> dbFactory, CredentialProtector protector, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
    public const int MaxKeyLength = 256;

    public static string HashRequest(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>A stored response for this key, or a mismatch error when the key was used with another request.</summary>
    public async Task<Result<StoredResponse?>> FindAsync(string tenantId, string scope, string key, string requestHash, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cutoff = time.NowMs() - (long)Lifetime.TotalMilliseconds;
        await db.IdempotencyRecords.Where(r => r.CreatedAt < cutoff).ExecuteDeleteAsync(ct); // purge what has aged out
        var record = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.TenantId == tenantId && r.Scope == scope && r.Key == key, ct);
        if (record is null)
        {
            return (StoredResponse?)null;
        }

        if (!SecretFormat.HashEquals(record.RequestHash, requestHash))
        {
            return new Error(ErrorKind.Unprocessable, "This Idempotency-Key was already used with a different request; use a new key for a new request.");
        }

        return new StoredResponse(record.StatusCode, protector.Unprotect(record.ProtectedResponse));
    }

    public async Task SaveAsync(string tenantId, string scope, string key, string requestHash, int statusCode, string responseJson, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.IdempotencyRecords.Add(new IdempotencyRecord
        {
            TenantId = tenantId,
            Scope = scope,
            Key = key,
            RequestHash = requestHash,
            StatusCode = statusCode,
            ProtectedResponse = protector.Protect(responseJson),
            CreatedAt = time.NowMs(),
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent retry stored it first; the first response stays the one replayed.
        }
    }
}

public sealed record StoredResponse(int StatusCode, string Json);
