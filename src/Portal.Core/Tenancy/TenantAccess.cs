using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Tenancy;

/// <summary>
/// Turns a signed-in principal into an <see cref="Actor"/> of one tenant. No membership means
/// null, which every caller answers with 404 so a tenant's existence does not leak. A tenant that requires two-factor
/// sign-in refuses a person whose local account does not have it on (<see cref="AuthorizeAsync"/> says why, as a 403).
/// </summary>
public sealed class TenantAccess(IDbContextFactory<PortalDbContext> dbFactory, IOptions<PortalOptions> options)
{
    /// <summary>The detail of the refusal when a tenant requires two-factor sign-in and the person has not turned it on.</summary>
    public const string TwoFactorRequired = "This tenant requires two-factor sign-in; turn it on at /account.";

    /// <summary>The actor, or null when the caller may not act in the tenant (for whatever reason).</summary>
    public async Task<Actor?> ResolveAsync(ClaimsPrincipal principal, string tenantId, string? ip, CancellationToken ct = default) =>
        (await AuthorizeAsync(principal, tenantId, ip, ct)).Value;

    /// <summary>The actor; or NotFound (not a member, no such tenant), or Forbidden with <see cref="TwoFactorRequired"/>.</summary>
    public async Task<Result<Actor>> AuthorizeAsync(ClaimsPrincipal principal, string tenantId, string? ip, CancellationToken ct = default)
    {
        var notFound = Error.NotFound($"Tenant '{tenantId}' was not found, or you are not a member of it.");
        if (principal.Identity?.IsAuthenticated != true || !TenantIds.IsValid(tenantId))
        {
            return notFound;
        }

        // An integration key was checked against the store on this very request (so a revoked key never gets here). It acts
        // as Admin, but only on the routes its scope opens, on its own integration: the host's IntegrationKeyRule decides that.
        if (principal.IsIntegrationKey())
        {
            return principal.FindFirstValue(PortalClaims.Tenant) == tenantId
                ? new Actor(principal.FindFirstValue(PortalClaims.KeyPrefix)!, ActorKind.IntegrationKey, tenantId, TenantRole.Admin, ip)
                : notFound;
        }

        // Tokens minted for API clients carry their tenant and role.
        if (principal.FindFirst(PortalClaims.Tenant) is { } tenantClaim)
        {
            var clientId = principal.FindFirstValue(PortalClaims.ClientId) ?? principal.FindFirstValue(PortalClaims.Subject) ?? "unknown";
            if (tenantClaim.Value != tenantId || !Enum.TryParse<TenantRole>(principal.FindFirstValue(PortalClaims.Role), out var clientRole))
            {
                return notFound;
            }

            // Token validation already refused tokens of deleted clients and rotated secrets (CurrentClientSecret).
            return new Actor(clientId, ActorKind.ApiClient, tenantId, clientRole, ip);
        }

        var email = principal.Email()?.ToUpperInvariant();
        if (email is null)
        {
            return notFound;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One query: the membership (if any) and the tenant's two-factor rule.
        var found = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId)
            .Select(t => new { t.RequireTwoFactor, Role = db.Memberships.Where(m => m.TenantId == tenantId && m.Email == email).Select(m => (TenantRole?)m.Role).FirstOrDefault() })
            .FirstOrDefaultAsync(ct);
        if (found is null)
        {
            return notFound;
        }

        // Portal administrators act as Admin in every tenant that exists.
        var role = found.Role ?? (await db.PortalAdministrators.AnyAsync(a => a.Email == email, ct) ? TenantRole.Admin : null);
        if (role is null)
        {
            return notFound;
        }

        // The one place of the tenant's two-factor rule: people only (API clients and keys returned above). With Entra ID
        // there are no local accounts; Entra's own policies decide how people sign in.
        if (found.RequireTwoFactor && options.Value.LocalAccounts
            && !await db.Users.AnyAsync(u => u.NormalizedEmail == email && u.TwoFactorEnabled, ct))
        {
            return Error.Forbidden(TwoFactorRequired);
        }

        return new Actor(email.ToLowerInvariant(), ActorKind.User, tenantId, role.Value, ip);
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
