using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Hosting;

/// <summary>
/// The login form's password check, with both brakes on guessing: Identity's account lockout
/// (Portal:Security:SignInMaxFailures / SignInLockout) and a failure budget per network address
/// (Portal:Security:SignInFailuresPerAddress). A lockout is audited in each tenant of the account. An account with
/// two-factor sign-in on gets no session from the password alone: Identity keeps a short-lived two-factor cookie
/// (which grants nothing) and <see cref="SecondFactorAsync"/> issues the session once the code is right.
/// </summary>
public sealed class PasswordSignIn(
    SignInManager<PortalUser> signIn,
    FailureThrottle throttle,
    AuditService audit,
    IDbContextFactory<PortalDbContext> dbFactory,
    ILogger<PasswordSignIn> logger)
{
    /// <summary>Signed in, or a second factor is asked for next, or the message the form shows.</summary>
    public async Task<PasswordSignInOutcome> SignInAsync(string email, string password, string? ip)
    {
        var addressKey = FailureThrottle.Key(FailureThrottle.SignInAddress, ip);
        if (await throttle.RetryAfterAsync([addressKey]) is { } after)
        {
            return Throttled(after);
        }

        if (password.Length > Portal.Core.Account.AccountService.MaxPasswordLength)
        {
            return "E-mail or password is wrong.";
        }

        var result = await signIn.PasswordSignInAsync(email, password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return PasswordSignInOutcome.Done;
        }

        if (result.RequiresTwoFactor)
        {
            return PasswordSignInOutcome.SecondFactor;
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

    /// <summary>
    /// The second step: a 6-digit authenticator code, or one of the recovery codes (each works once). Null when signed in;
    /// otherwise the message the form shows. Wrong authenticator codes count toward the account's lockout, and every
    /// failure toward the address's budget.
    /// </summary>
    public async Task<string?> SecondFactorAsync(string? code, string? ip)
    {
        var addressKey = FailureThrottle.Key(FailureThrottle.SignInAddress, ip);
        if (await throttle.RetryAfterAsync([addressKey]) is { } after)
        {
            return Throttled(after);
        }

        if (await signIn.GetTwoFactorAuthenticationUserAsync() is null)
        {
            return "Your sign-in has expired. Sign in again with your e-mail and password.";
        }

        if (string.IsNullOrWhiteSpace(code) || code.Length > 32)
        {
            return "Enter the 6-digit code from your authenticator app, or one of your recovery codes.";
        }

        var result = Portal.Core.Account.AccountService.NormalizeCode(code) is { } digits
            ? await signIn.TwoFactorAuthenticatorSignInAsync(digits, isPersistent: false, rememberClient: false)
            : await signIn.TwoFactorRecoveryCodeSignInAsync(Portal.Core.Account.RecoveryCodes.Normalize(code));
        if (result.Succeeded)
        {
            return null;
        }

        await throttle.RecordFailureAsync([addressKey]);
        return result.IsLockedOut
            ? "This account is locked for a few minutes after too many failed sign-ins. Try again later."
            : "That code is wrong or has expired (a recovery code works only once). Try the code your app shows now.";
    }

    private static string Throttled(TimeSpan after) =>
        $"Too many failed sign-ins from your network address. Try again in {Math.Max(1, (int)Math.Ceiling(after.TotalMinutes))} minute(s).";

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

/// <summary>What the password step of the login form leads to.</summary>
public sealed record PasswordSignInOutcome(bool SignedIn, bool NeedsSecondFactor, string? Error)
{
    public static readonly PasswordSignInOutcome Done = new(true, false, null);
    public static readonly PasswordSignInOutcome SecondFactor = new(false, true, null);

    public static implicit operator PasswordSignInOutcome(string error) => new(false, false, error);
}
