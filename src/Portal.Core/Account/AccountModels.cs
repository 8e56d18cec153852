using System.Text.Json.Serialization;

namespace Portal.Core.Account;

/// <summary>Body of <c>POST /v1/account/password</c>.</summary>
public sealed class PasswordChangeInput
{
    public string? CurrentPassword { get; set; }
    public string? NewPassword { get; set; }

    public override string ToString() => "PasswordChangeInput { (passwords not shown) }";
}

/// <summary>A 6-digit authenticator code (or, at sign-in, a recovery code).</summary>
public sealed class TwoFactorCodeInput
{
    public string? Code { get; set; }

    public override string ToString() => "TwoFactorCodeInput { (code not shown) }";
}

/// <summary>The signed-in person's account: never a secret.</summary>
public sealed record AccountView(string Email, bool LocalAccount, bool TwoFactorEnabled, int RecoveryCodesLeft);

/// <summary>What an authenticator app needs: the shared key (grouped by four for typing) and the <c>otpauth://</c> URI a QR code carries.</summary>
public sealed record AuthenticatorSetup(string SharedKey, string AuthenticatorUri)
{
    public override string ToString() => "AuthenticatorSetup { (key not shown) }";
}

/// <summary>Fresh recovery codes: shown once, stored only as hashes.</summary>
public sealed record RecoveryCodeList(IReadOnlyList<string> RecoveryCodes)
{
    public override string ToString() => $"RecoveryCodeList {{ {RecoveryCodes.Count} codes (not shown) }}";
}

/// <summary>A member's password reset by an Admin: the new password appears only in this response.</summary>
public sealed record PasswordReset(string Email, string NewPassword)
{
    public override string ToString() => $"PasswordReset {{ Email = {Email} (password not shown) }}";
}

/// <summary>A tenant's security settings (<c>GET/PUT /v1/tenants/{tenant}/security</c>).</summary>
public sealed record TenantSecurity(bool RequireTwoFactor);

public sealed class TenantSecurityInput
{
    [JsonPropertyName("requireTwoFactor")]
    public bool? RequireTwoFactor { get; set; }
}

/// <summary>How recovery codes are compared: case, spaces and surrounding blanks do not matter.</summary>
public static class RecoveryCodes
{
    public const int Count = 10;

    public static string Normalize(string code) => code.Replace(" ", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
}
