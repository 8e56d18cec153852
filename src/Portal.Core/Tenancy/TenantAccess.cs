using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Tenancy;

/// <summary>
/// Turns a signed-in principal into an <see cref="Actor"/> of one tenant. No membership means
/// null, which every caller answers with 404 so a tenant's existence does not leak.
/// </summary>
public sealed class TenantAccess(IDbContextFactory<PortalDbContext> dbFactory)
{
    public async Task<Actor?> ResolveAsync(ClaimsPrincipal principal, string tenantId, string? ip, CancellationToken ct = default)
    {
        if (principal.Identity?.IsAuthenticated != true || !TenantIds.IsValid(tenantId))
        {
            return null;
        }

        // An integration key was checked against the store on this very request (so a revoked key never gets here). It acts
        // as Admin, but only on the routes its scope opens, on its own integration: the host's IntegrationKeyRule decides that.
        if (principal.IsIntegrationKey())
        {
            return principal.FindFirstValue(PortalClaims.Tenant) == tenantId
                ? new Actor(principal.FindFirstValue(PortalClaims.KeyPrefix)!, ActorKind.IntegrationKey, tenantId, TenantRole.Admin, ip)
                : null;
        }

        // Tokens minted for API clients carry their tenant and role.
        if (principal.FindFirst(PortalClaims.Tenant) is { } tenantClaim)
        {
            var clientId = principal.FindFirstValue(PortalClaims.ClientId) ?? principal.FindFirstValue(PortalClaims.Subject) ?? "unknown";
            if (tenantClaim.Value != tenantId || !Enum.TryParse<TenantRole>(principal.FindFirstValue(PortalClaims.Role), out var clientRole))
            {
                return null;
            }

            // Token validation already refused tokens of deleted clients and rotated secrets (CurrentClientSecret).
            return new Actor(clientId, ActorKind.ApiClient, tenantId, clientRole, ip);
        }

        var email = principal.Email()?.ToUpperInvariant();
        if (email is null)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var membership = await db.Memberships.AsNoTracking().FirstOrDefaultAsync(m => m.TenantId == tenantId && m.Email == email, ct);
        if (membership is not null)
        {
            return new Actor(email.ToLowerInvariant(), ActorKind.User, tenantId, membership.Role, ip);
        }

        // Portal administrators act as Admin in every tenant that exists.
        var isAdmin = await db.PortalAdministrators.AnyAsync(a => a.Email == email, ct);
        return isAdmin && await db.Tenants.AnyAsync(t => t.Id == tenantId, ct)
            ? new Actor(email.ToLowerInvariant(), ActorKind.User, tenantId, TenantRole.Admin, ip)
            : null;
    }

    /// <summary>The tenants a signed-in person can switch between.</summary>
    public async Task<IReadOnlyList<TenantChoice>> ListTenantsAsync(ClaimsPrincipal principal, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (principal.FindFirstValue(PortalClaims.Tenant) is { } clientTenant)
        {
            return await db.Tenants.Where(t => t.Id == clientTenant).Select(t => new TenantChoice(t.Id, t.DisplayName)).ToListAsync(ct);
        }

        var email = principal.Email()?.ToUpperInvariant();
        if (email is null)
        {
            return [];
        }

        if (await db.PortalAdministrators.AnyAsync(a => a.Email == email, ct))
        {
            return await db.Tenants.OrderBy(t => t.Id).Select(t => new TenantChoice(t.Id, t.DisplayName)).ToListAsync(ct);
        }

        // Order before projecting: EF cannot translate an OrderBy over a record built in Select.
        return await db.Memberships.Where(m => m.Email == email)
            .Join(db.Tenants, m => m.TenantId, t => t.Id, (m, t) => t)
            .OrderBy(t => t.Id).Select(t => new TenantChoice(t.Id, t.DisplayName)).ToListAsync(ct);
    }

    public async Task<bool> IsPortalAdministratorAsync(ClaimsPrincipal principal, CancellationToken ct = default)
    {
        var email = principal.FindFirstValue(PortalClaims.Tenant) is null ? principal.Email()?.ToUpperInvariant() : null;
        if (email is null)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.PortalAdministrators.AnyAsync(a => a.Email == email, ct);
    }
}

public sealed record TenantChoice(string Id, string DisplayName);
