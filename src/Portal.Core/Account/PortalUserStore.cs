using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Account;

/// <summary>
/// Identity's EF store, except for the two two-factor secrets it keeps in <c>AspNetUserTokens</c>, which Identity stores
/// in clear text: the authenticator key is encrypted with Data Protection (it must be read back to check a code), and the
/// recovery codes are kept as salted SHA-256 hashes (they are only ever compared). Identity's own <c>ProtectPersonalData</c>
/// would also encrypt e-mail and user names with a lookup protector (a model-wide value converter the compiled model and
/// the existing rows do not support), so the protection is done here, for just these two values.
/// </summary>
public sealed class PortalUserStore(PortalDbContext context, IDataProtectionProvider protection, IdentityErrorDescriber? describer = null)
    : UserOnlyStore<PortalUser, PortalDbContext>(context, describer)
{
    private const string ProtectedPrefix = "dp1:";
    private readonly IDataProtector _protector = protection.CreateProtector("Portal.Account.AuthenticatorKey.v1");

    public override Task SetAuthenticatorKeyAsync(PortalUser user, string key, CancellationToken cancellationToken) =>
        base.SetAuthenticatorKeyAsync(user, ProtectedPrefix + _protector.Protect(key), cancellationToken);

    public override async Task<string?> GetAuthenticatorKeyAsync(PortalUser user, CancellationToken cancellationToken)
    {
        var stored = await base.GetAuthenticatorKeyAsync(user, cancellationToken);
        return stored is not null && stored.StartsWith(ProtectedPrefix, StringComparison.Ordinal)
            ? _protector.Unprotect(stored[ProtectedPrefix.Length..])
            : stored;
    }

    public override Task ReplaceCodesAsync(PortalUser user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        base.ReplaceCodesAsync(user, recoveryCodes.Select(code => Hash(user, code)), cancellationToken);

    /// <summary>Compares hashes, and writes the rest back as they are (the base method would hash them a second time through <see cref="ReplaceCodesAsync"/>).</summary>
    public override async Task<bool> RedeemCodeAsync(PortalUser user, string code, CancellationToken cancellationToken)
    {
        var hashed = Hash(user, code);
        var stored = (await GetTokenAsync(user, InternalProvider, RecoveryCodesName, cancellationToken) ?? "").Split(';');
        if (!stored.Contains(hashed, StringComparer.Ordinal))
        {
            return false;
        }

        await base.ReplaceCodesAsync(user, stored.Where(h => h != hashed), cancellationToken);
        return true;
    }

    /// <summary>Forgets the authenticator key and the recovery codes (two-factor turned off).</summary>
    public static async Task ForgetTwoFactorSecretsAsync(UserManager<PortalUser> users, PortalUser user)
    {
        await users.RemoveAuthenticationTokenAsync(user, InternalProvider, AuthenticatorKeyName);
        await users.RemoveAuthenticationTokenAsync(user, InternalProvider, RecoveryCodesName);
    }

    // Identity's names for the rows it keeps in AspNetUserTokens (private constants of UserStoreBase).
    private const string InternalProvider = "[AspNetUserStore]";
    private const string AuthenticatorKeyName = "AuthenticatorKey";
    private const string RecoveryCodesName = "RecoveryCodes";

    /// <summary>Salted with the user's id, so one table of hashes does not serve every account; ';' never appears (Identity joins codes with it).</summary>
    private static string Hash(PortalUser user, string code) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"{user.Id}:{RecoveryCodes.Normalize(code)}")));
}
