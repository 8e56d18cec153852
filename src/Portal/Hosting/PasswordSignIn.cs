using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Hosting;

/// <summary>
/// The login form's password check, with both brakes on guessing: Identity's account lockout
/// (Portal:Security:SignInMaxFailures / SignInLockout) and a failure budget per network address
/// (Portal:Security:SignInFailuresPerAddress). A lockout is audited in each tenant of the account.
/// </summary>
public sealed class PasswordSignIn(
    SignInManager<PortalUser> signIn,
    FailureThrottle throttle,
    AuditService audit,
    IDbContextFactory<PortalDbContext> dbFactory,
    ILogger<PasswordSignIn> logger)
{
    /// <summary>Null when signed in; otherwise the message the form shows.</summary>
    public async Task<string?> SignInAsync(string email, string password, string? ip)
    {
        var addressKey = FailureThrottle.Key(FailureThrottle.SignInAddress, ip);
        if (await throttle.RetryAfterAsync([addressKey]) is { } after)
        {
            return $"Too many failed sign-ins from your network address. Try again in {Math.Max(1, (int)Math.Ceiling(after.TotalMinutes))} minute(s).";
        }

        var result = await signIn.PasswordSignInAsync(email, password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return null;
        }

        if (await throttle.RecordFailureAsync([addressKey]))
        {
            logger.LogWarning("Sign-ins from {Address} are throttled after repeated failures", ip);
        }

        if (!result.IsLockedOut)
        {
            return "E-mail or password is wrong.";
        }

        await AuditLockoutAsync(email, ip);
        return "This account is locked for a few minutes after too many failed sign-ins. Try again later.";
    }

    private async Task AuditLockoutAsync(string email, string? ip)
    {
        var normalized = email.ToUpperInvariant();
        await using var db = await dbFactory.CreateDbContextAsync();
        var memberships = await db.Memberships.AsNoTracking().Where(m => m.Email == normalized).ToListAsync();
        foreach (var membership in memberships)
        {
            var actor = new Actor(email.ToLowerInvariant(), ActorKind.User, membership.TenantId, membership.Role, ip);
            await audit.RecordAsync(actor, "account.signIn", $"members/{email.ToLowerInvariant()}", AuditOutcomes.Denied);
        }
    }
}
