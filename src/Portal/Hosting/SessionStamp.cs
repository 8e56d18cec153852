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
