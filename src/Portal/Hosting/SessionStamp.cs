using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Hosting;

/// <summary>
/// Ends a session on its next request once the account's security stamp changed (password changed or reset, two-factor
/// turned on or off): one primary-key read per cookie request, like the membership check. Identity's own validator
/// compares the stamp only every 30 minutes; it still runs afterwards to refresh the cookie's claims.
/// </summary>
public static class SessionStamp
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var claims = http.RequestServices.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity;
        var userId = context.Principal?.FindFirst(claims.UserIdClaimType)?.Value;
        var stamp = context.Principal?.FindFirst(claims.SecurityStampClaimType)?.Value;
        if (userId is not null)
        {
            await using var db = await http.RequestServices.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(http.RequestAborted);
            var current = await db.Users.Where(u => u.Id == userId).Select(u => u.SecurityStamp).FirstOrDefaultAsync(http.RequestAborted);
            if (current is null || stamp is null || !string.Equals(current, stamp, StringComparison.Ordinal))
            {
                context.RejectPrincipal();
                await http.SignOutAsync(IdentityConstants.ApplicationScheme);
                return;
            }
        }

        await SecurityStampValidator.ValidatePrincipalAsync(context);
    }
}

/// <summary>
/// The same check for an open Blazor circuit, which outlives the request that started it: every minute the circuit's
/// user is compared with the account's current security stamp, and a changed stamp (password reset by an Admin,
/// changed elsewhere) signs the circuit out, so its pages fall back to the sign-in.
/// </summary>
public sealed class SessionStampRevalidation(ILoggerFactory loggers, IServiceScopeFactory scopes, IOptions<IdentityOptions> identity)
    : Microsoft.AspNetCore.Components.Server.RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(Microsoft.AspNetCore.Components.Authorization.AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var claims = identity.Value.ClaimsIdentity;
        var userId = authenticationState.User.FindFirst(claims.UserIdClaimType)?.Value;
        var stamp = authenticationState.User.FindFirst(claims.SecurityStampClaimType)?.Value;
        if (userId is null || stamp is null)
        {
            return true; // not a local account (Entra): nothing to compare
        }

        await using var scope = scopes.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(cancellationToken);
        var current = await db.Users.Where(u => u.Id == userId).Select(u => u.SecurityStamp).FirstOrDefaultAsync(cancellationToken);
        return string.Equals(current, stamp, StringComparison.Ordinal);
    }
}
