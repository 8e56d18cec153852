using System.Security.Claims;
using Portal.Core.Common;
using Portal.Core.Tenancy;

namespace Portal.Core.Retention;

/// <summary>The store's size as last measured by <see cref="StoreSize"/> (null before the first reading).</summary>
public sealed record StoreUsage
{
    /// <summary>Bytes on disk: the SQLite file and its write-ahead log, or <c>pg_database_size</c>.</summary>
    public required long? Bytes { get; init; }

    /// <summary>When it was measured (Unix milliseconds); the retention sweep measures again after each run.</summary>
    public required long? MeasuredAt { get; init; }
}

/// <summary>
/// The store's size for the people who run the portal. The store is shared by every tenant, so only a portal
/// administrator reads it; a tenant's Admin, a Viewer and every API client are refused.
/// </summary>
public sealed class StoreUsageService(StoreSize size, TenantAccess access)
{
    public const string OnlyPortalAdministrators = "Only a portal administrator can read the store's size: the store is shared by every tenant.";

    public async Task<Result<StoreUsage>> GetAsync(ClaimsPrincipal principal, CancellationToken ct = default)
    {
        if (!await access.IsPortalAdministratorAsync(principal, ct))
        {
            return Error.Forbidden(OnlyPortalAdministrators);
        }

        var reading = size.Reading; // once: the size and its time belong together
        return new StoreUsage { Bytes = reading?.Bytes, MeasuredAt = reading?.At };
    }
}
