using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Account;

/// <summary>
/// A person's own account (password, two-factor sign-in with an authenticator app), an Admin's reset of a member's
/// password, and a tenant's "require two-factor" setting. Local accounts only: with Entra ID, Entra owns both.
/// Account changes are audited in every tenant the person belongs to (an account belongs to no single tenant); no row
/// ever holds a password, key or code.
/// </summary>
/// <remarks>A singleton: Identity's <c>UserManager</c> is resolved per operation through <see cref="PerOperation{T}"/>.</remarks>
public sealed class AccountService(
    IDbContextFactory<PortalDbContext> dbFactory,
    PerOperation<UserManager<PortalUser>> users,
    IOptions<PortalOptions> options,
    Refusals refusals,
    TimeProvider time)
{
    /// <summary>Longer input is refused before it reaches the hasher (a 1 MB "password" is a 400, not a second of CPU).</summary>
    public const int MaxPasswordLength = 256;

    private readonly KeyedLock _accountLocks = new();

    private const string NoLocalAccount = "Your account has no local password: it signs in through Microsoft Entra ID, which manages passwords and two-factor sign-in.";

    public async Task<Result<AccountView>> GetAsync(string email, CancellationToken ct = default)
    {
        if (!options.Value.LocalAccounts)
        {
            return new AccountView(email.ToLowerInvariant(), false, false, 0);
        }

        return await users.RunAsync(async manager =>
        {
            var user = await manager.FindByEmailAsync(email);
            if (user is null)
            {
                return Result<AccountView>.Fail(Error.NotFound("You have no local account."));
            }

            return new AccountView(user.Email!.ToLowerInvariant(), true, user.TwoFactorEnabled, user.TwoFactorEnabled ? await manager.CountRecoveryCodesAsync(user) : 0);
        });
    }

    /// <summary>Changes the signed-in person's password. Other sessions end (Identity renews the security stamp); the caller refreshes its own.</summary>
    public async Task<Result<bool>> ChangePasswordAsync(string email, string? ip, PasswordChangeInput input, CancellationToken ct = default)
    {
        if (!options.Value.LocalAccounts)
        {
            return Error.BadRequest(NoLocalAccount);
        }

        var errors = new ValidationErrors();
        CheckPassword(errors, "currentPassword", "Current password", input.CurrentPassword);
        CheckPassword(errors, "newPassword", "New password", input.NewPassword);
        if (errors.Any)
        {
            return errors.ToError();
        }

        if (input.NewPassword == input.CurrentPassword)
        {
            return Field("newPassword", "New password: choose a password other than your current one.");
        }

        var outcome = await ChangeAccountAsync(email, async manager =>
        {
            var user = await manager.FindByEmailAsync(email);
            if (user is null || !await manager.HasPasswordAsync(user))
            {
                return Result<bool>.Fail(Error.BadRequest(NoLocalAccount));
            }

            if (await manager.IsLockedOutAsync(user))
            {
                return Field("currentPassword", "Current password: too many wrong attempts; your account is locked for a few minutes. Try again later.");
            }

            if (!await manager.CheckPasswordAsync(user, input.CurrentPassword!))
            {
                // A wrong current password counts like a wrong sign-in, so a stolen session cannot guess it without limit.
                Checked(await manager.AccessFailedAsync(user));
                return Field("currentPassword", "Current password: the password you entered is wrong.");
            }

            var changed = Checked(await manager.ChangePasswordAsync(user, input.CurrentPassword!, input.NewPassword!));
            if (!changed.Succeeded)
            {
                return Field("newPassword", "New password: " + Describe(changed));
            }

            Checked(await manager.ResetAccessFailedCountAsync(user));
            return true;
        }, ct);

        if (outcome.IsSuccess)
        {
            await AuditAccountAsync(email, ip, "account.passwordChange", ct);
        }

        return outcome;
    }

    /// <summary>
    /// An Admin sets a new generated password for a member (returned once) and ends the member's sessions. Refused when
    /// the member also belongs to a tenant where the caller is not an Admin, or is a portal administrator: otherwise an
    /// Admin of one tenant could take over an account that is Admin elsewhere.
    /// </summary>
    public async Task<Result<PasswordReset>> ResetMemberPasswordAsync(Actor actor, string email, CancellationToken ct = default)
    {
        var key = email.ToUpperInvariant();
        var target = $"members/{email.ToLowerInvariant()}";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (email.Length > 256 || !await db.Memberships.AnyAsync(m => m.TenantId == actor.TenantId && m.Email == key, ct))
        {
            return Error.NotFound($"'{email}' is not a member of this tenant.");
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "member.resetPassword", target, ct: ct);
        }

        if (!options.Value.LocalAccounts)
        {
            return Error.BadRequest("Members sign in through Microsoft Entra ID here; their passwords are reset in Entra.");
        }

        if (actor.Kind == ActorKind.User && string.Equals(actor.Id, email, StringComparison.OrdinalIgnoreCase))
        {
            return Error.BadRequest("This is your own account: change your password at /account (it asks for your current one).");
        }

        if (await TakeoverRiskAsync(db, actor, key, ct) is { } reason)
        {
            return await refusals.RecordAsync(actor, "member.resetPassword", target, Error.Forbidden(reason), ct: ct);
        }

        var password = GeneratedPasswords.New();
        var reset = await ChangeAccountAsync(email, async manager =>
        {
            var user = await manager.FindByEmailAsync(email);
            if (user is null)
            {
                return Result<bool>.Fail(Error.Conflict($"'{email}' has no local account (they sign in another way)."));
            }

            // ResetPasswordAsync renews the security stamp: every session of the member ends on its next request.
            var done = Checked(await manager.ResetPasswordAsync(user, await manager.GeneratePasswordResetTokenAsync(user), password));
            if (!done.Succeeded)
            {
                throw new InvalidOperationException("A generated password was refused: " + string.Join(" ", done.Errors.Select(e => e.Code)));
            }

            // A reset is how a locked-out member gets back in.
            Checked(await manager.SetLockoutEndDateAsync(user, null));
            Checked(await manager.ResetAccessFailedCountAsync(user));
            return true;
        }, ct);
        if (!reset.IsSuccess)
        {
            return reset.Error!;
        }

        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "member.resetPassword", target));
        await db.SaveChangesAsync(ct);
        return new PasswordReset(email.ToLowerInvariant(), password);
    }

    /// <summary>Null when the caller may reset the member's password; otherwise why not.</summary>
    private static async Task<string?> TakeoverRiskAsync(PortalDbContext db, Actor actor, string member, CancellationToken ct)
    {
        var callerEmail = actor.Kind == ActorKind.User ? actor.Id.ToUpperInvariant() : null;
        var callerIsPortalAdmin = callerEmail is not null && await db.PortalAdministrators.AnyAsync(a => a.Email == callerEmail, ct);
        if (callerIsPortalAdmin)
        {
            return null;
        }

        if (await db.PortalAdministrators.AnyAsync(a => a.Email == member, ct))
        {
            return "This member is a portal administrator: only a portal administrator can reset their password.";
        }

        var elsewhere = await db.Memberships.Where(m => m.Email == member && m.TenantId != actor.TenantId).Select(m => m.TenantId).ToListAsync(ct);
        if (elsewhere.Count == 0)
        {
            return null;
        }

        var adminOf = callerEmail is null
            ? []
            : await db.Memberships.Where(m => m.Email == callerEmail && m.Role == TenantRole.Admin && elsewhere.Contains(m.TenantId)).Select(m => m.TenantId).ToListAsync(ct);
        return elsewhere.All(adminOf.Contains)
            ? null
            : "This member also belongs to another tenant where you are not an Admin, so you cannot reset their password (it would let you act there as them). An Admin of all their tenants, or a portal administrator, can.";
    }

    /// <summary>Starts (or restarts) setting up an authenticator app: a fresh shared key, shown only while two-factor is not on yet.</summary>
    public async Task<Result<AuthenticatorSetup>> StartAuthenticatorSetupAsync(string email, CancellationToken ct = default)
    {
        if (!options.Value.LocalAccounts)
        {
            return Error.BadRequest(NoLocalAccount);
        }

        return await ChangeAccountAsync(email, async manager =>
        {
            var user = await manager.FindByEmailAsync(email);
            if (user is null)
            {
                return Result<AuthenticatorSetup>.Fail(Error.BadRequest(NoLocalAccount));
            }

            if (user.TwoFactorEnabled)
            {
                return Error.Conflict("Two-factor sign-in is already on. Turn it off first to set up another authenticator app.");
            }

            Checked(await manager.ResetAuthenticatorKeyAsync(user));
            return Setup(user, (await manager.GetAuthenticatorKeyAsync(user))!);
        }, ct);
    }

    /// <summary>The set-up in progress (key made, two-factor not on yet), to show it again after a mistyped code; null otherwise.</summary>
    public async Task<AuthenticatorSetup?> PendingSetupAsync(string email, CancellationToken ct = default)
    {
        if (!options.Value.LocalAccounts)
        {
            return null;
        }

        return await users.RunAsync(async manager =>
        {
            var user = await manager.FindByEmailAsync(email);
            return user is null || user.TwoFactorEnabled || await manager.GetAuthenticatorKeyAsync(user) is not { } key ? null : Setup(user, key);
        });
    }

    /// <summary>Turns two-factor sign-in on once a code from the app proves it is set up; returns the recovery codes, once.</summary>
    public async Task<Result<RecoveryCodeList>> EnableTwoFactorAsync(string email, string? ip, TwoFactorCodeInput input, CancellationToken ct = default)
    {
        var code = NormalizeCode(input.Code);
        if (code is null)
        {
            return Field("code", "Code: enter the 6-digit code your authenticator app shows.");
        }

        var outcome = await ChangeAccountAsync(email, async manager =>
        {
            var user = await manager.FindByEmailAsync(email);
            if (user is null || !options.Value.LocalAccounts)
            {
                return Result<RecoveryCodeList>.Fail(Error.BadRequest(NoLocalAccount));
            }

            if (user.TwoFactorEnabled)
            {
                return Error.Conflict("Two-factor sign-in is already on.");
            }

            if (await manager.GetAuthenticatorKeyAsync(user) is null)
            {
                return Error.Conflict("Set up your authenticator app first (it needs the shared key).");
            }

            if (!await manager.VerifyTwoFactorTokenAsync(user, manager.Options.Tokens.AuthenticatorTokenProvider, code))
            {
                return Field("code", "Code: that code is wrong or has expired. Enter the code your authenticator app shows now.");
            }

            Checked(await manager.SetTwoFactorEnabledAsync(user, true));
            return await NewCodesAsync(manager, user);
        }, ct);

        if (outcome.IsSuccess)
        {
            await AuditAccountAsync(email, ip, "account.twoFactorEnable", ct);
        }

        return outcome;
    }

    /// <summary>Turns two-factor sign-in off and forgets the authenticator key and the recovery codes (turning it on again is a new set-up).</summary>
    public async Task<Result<bool>> DisableTwoFactorAsync(string email, string? ip, CancellationToken ct = default)
    {
        var outcome = await ChangeAccountAsync(email, async manager =>
        {
            var user = await manager.FindByEmailAsync(email);
            if (user is null || !options.Value.LocalAccounts)
            {
                return Result<bool>.Fail(Error.BadRequest(NoLocalAccount));
            }

            if (!user.TwoFactorEnabled)
            {
                return Error.Conflict("Two-factor sign-in is already off.");
            }

            Checked(await manager.SetTwoFactorEnabledAsync(user, false));
            await PortalUserStore.ForgetTwoFactorSecretsAsync(manager, user);
            return true;
        }, ct);

        if (outcome.IsSuccess)
        {
            await AuditAccountAsync(email, ip, "account.twoFactorDisable", ct);
        }

        return outcome;
    }

    /// <summary>New recovery codes (the old ones stop working); returned once.</summary>
    public async Task<Result<RecoveryCodeList>> RegenerateRecoveryCodesAsync(string email, string? ip, CancellationToken ct = default)
    {
        var outcome = await ChangeAccountAsync(email, async manager =>
        {
            var user = await manager.FindByEmailAsync(email);
            if (user is null || !options.Value.LocalAccounts)
            {
                return Result<RecoveryCodeList>.Fail(Error.BadRequest(NoLocalAccount));
            }

            if (!user.TwoFactorEnabled)
            {
                return Error.Conflict("Two-factor sign-in is off: turn it on first; recovery codes come with it.");
            }

            return await NewCodesAsync(manager, user);
        }, ct);

        if (outcome.IsSuccess)
        {
            await AuditAccountAsync(email, ip, "account.recoveryCodesRegenerate", ct);
        }

        return outcome;
    }

    public async Task<TenantSecurity> GetTenantSecurityAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return new TenantSecurity(await db.Tenants.Where(t => t.Id == actor.TenantId).Select(t => t.RequireTwoFactor).FirstOrDefaultAsync(ct));
    }

    /// <summary>Whether members must sign in with two factors to open the tenant (enforced by <see cref="TenantAccess"/>).</summary>
    public async Task<Result<TenantSecurity>> SetTenantSecurityAsync(Actor actor, TenantSecurityInput input, CancellationToken ct = default)
    {
        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "tenant.security", $"tenants/{actor.TenantId}/security", ct: ct);
        }

        if (input.RequireTwoFactor is not { } require)
        {
            return Field("requireTwoFactor", "requireTwoFactor is required: true or false.");
        }

        if (require && actor.Kind == ActorKind.User && options.Value.LocalAccounts
            && !await users.RunAsync(async manager => (await manager.FindByEmailAsync(actor.Id))?.TwoFactorEnabled == true))
        {
            return Error.Conflict("Turn on two-factor sign-in for your own account at /account first: this setting would otherwise lock you out of this tenant.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tenant = await db.Tenants.FirstAsync(t => t.Id == actor.TenantId, ct);
        tenant.RequireTwoFactor = require;
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "tenant.security", $"tenants/{actor.TenantId}/security"));
        await db.SaveChangesAsync(ct);
        return new TenantSecurity(require);
    }

    /// <summary>
    /// One change of one account: changes of an account take turns in this process, and a change another instance made
    /// in between (Identity's concurrency stamp) is retried on a fresh read, then answered 409, never a 500.
    /// </summary>
    private async Task<Result<T>> ChangeAccountAsync<T>(string email, Func<UserManager<PortalUser>, Task<Result<T>>> change, CancellationToken ct)
    {
        using var turn = await _accountLocks.AcquireAsync(email.ToUpperInvariant(), ct);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await users.RunAsync(change);
            }
            catch (ConcurrentAccountChange) when (attempt < 3)
            {
            }
            catch (ConcurrentAccountChange)
            {
                return Error.Conflict("The account was being changed by another request at the same time; try again.");
            }
        }
    }

    /// <summary>Identity's answer to a write; a concurrency failure is retried by <see cref="ChangeAccountAsync{T}"/>.</summary>
    private static IdentityResult Checked(IdentityResult result) =>
        result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)) ? throw new ConcurrentAccountChange() : result;

    /// <summary>Identity answers null when the save failed (only a concurrent change makes it fail).</summary>
    private static async Task<RecoveryCodeList> NewCodesAsync(UserManager<PortalUser> manager, PortalUser user) =>
        new((await manager.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodes.Count))?.ToList() ?? throw new ConcurrentAccountChange());

    private sealed class ConcurrentAccountChange : Exception;

    private static AuthenticatorSetup Setup(PortalUser user, string key)
    {
        var label = UrlEncoder.Default.Encode($"Portal:{user.Email}");
        var uri = $"otpauth://totp/{label}?secret={key}&issuer=Portal&digits=6";
        var grouped = string.Join(' ', key.Chunk(4).Select(c => new string(c)));
        return new AuthenticatorSetup(grouped, uri);
    }

    /// <summary>The digits of a code as people type them ("123 456", "123-456"); null when it cannot be one.</summary>
    public static string? NormalizeCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 32)
        {
            return null;
        }

        var digits = code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        return digits.Length is >= 6 and <= 8 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    private static void CheckPassword(ValidationErrors errors, string field, string words, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(field, $"{words} is required.");
        }
        else if (value.Length > MaxPasswordLength)
        {
            errors.Add(field, $"{words} must be at most {MaxPasswordLength} characters.");
        }
    }

    private static Error Field(string field, string message) =>
        Error.Validation(new Dictionary<string, string[]> { [field] = [message] }, message);

    private static string Describe(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));

    private async Task AuditAccountAsync(string email, string? ip, string action, CancellationToken ct)
    {
        var key = email.ToUpperInvariant();
        var lower = email.ToLowerInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var memberships = await db.Memberships.AsNoTracking().Where(m => m.Email == key).ToListAsync(ct);
        var now = time.NowMs();
        foreach (var membership in memberships)
        {
            db.AuditEvents.Add(AuditEvent.Of(new Actor(lower, ActorKind.User, membership.TenantId, membership.Role, ip), now, action, $"members/{lower}"));
        }

        await db.SaveChangesAsync(ct);
    }
}
