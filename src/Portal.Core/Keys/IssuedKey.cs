using System.Text.Json.Serialization;

namespace Portal.Core.Keys;

public enum KeyKind
{
    WebhookKey = 1,
    McpKey = 2,
    SigningSecret = 3,
    IntegrationKey = 4,

    /// <summary>An API client's secret (<c>pcs_</c>): OpenIddict verifies it; the engine keeps its hash as the ledger entry that inventory, age policy and leak reports use.</summary>
    ApiClientSecret = 5,
}

/// <summary>DESIGN.md's key table: prefix and storage of each kind.</summary>
public static class KeyKinds
{
    public static string Prefix(KeyKind kind) => kind switch
    {
        KeyKind.WebhookKey => KeyPrefixes.WebhookKey,
        KeyKind.McpKey => KeyPrefixes.McpKey,
        KeyKind.SigningSecret => KeyPrefixes.SigningSecret,
        KeyKind.IntegrationKey => KeyPrefixes.IntegrationKey,
        KeyKind.ApiClientSecret => KeyPrefixes.ApiClientSecret,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Mints a secret of a kind: signing secrets in the Standard Webhooks form, every other kind in <see cref="SecretFormat"/>'s checksummed base62.</summary>
    public static Secret Mint(KeyKind kind) => kind == KeyKind.SigningSecret
        ? SecretFormat.MintStandardWebhooks(Prefix(kind))
        : SecretFormat.Mint(Prefix(kind));

    /// <summary>Hashed kinds are only ever compared; the others must be read back (to sign, or seed 004's read-back) and are also kept encrypted.</summary>
    public static bool IsHashed(KeyKind kind) => kind is KeyKind.WebhookKey or KeyKind.McpKey or KeyKind.ApiClientSecret;

    /// <summary>Every kind, in the order pages list them.</summary>
    public static IReadOnlyList<KeyKind> All { get; } = [KeyKind.WebhookKey, KeyKind.SigningSecret, KeyKind.McpKey, KeyKind.IntegrationKey, KeyKind.ApiClientSecret];

    /// <summary>The kind's name on the wire (DESIGN.md "Key lifecycle policy"): <c>webhook_key</c>, <c>signing_secret</c>, <c>mcp_key</c>, <c>integration_key</c>, <c>api_client_secret</c>.</summary>
    public static string WireName(KeyKind kind) => kind switch
    {
        KeyKind.WebhookKey => "webhook_key",
        KeyKind.SigningSecret => "signing_secret",
        KeyKind.McpKey => "mcp_key",
        KeyKind.IntegrationKey => "integration_key",
        KeyKind.ApiClientSecret => "api_client_secret",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParseWire(string? name, out KeyKind kind)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(WireName(candidate), name, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>The kind a presented secret claims by its prefix, or null for a string that is no portal secret's shape.</summary>
    public static KeyKind? OfPresented(string? value)
    {
        if (value is null)
        {
            return null;
        }

        foreach (var kind in All)
        {
            if (value.StartsWith(Prefix(kind), StringComparison.Ordinal))
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="value"/> has the shape of a secret of this kind (checksum, or Standard Webhooks form): only those are ever looked up.</summary>
    public static bool IsWellFormed(KeyKind kind, string? value) => kind == KeyKind.SigningSecret
        ? SecretFormat.IsStandardWebhooksSecret(Prefix(kind), value)
        : SecretFormat.IsWellFormed(Prefix(kind), value);
}

/// <summary>
/// One secret the engine minted. Every kind keeps its <see cref="Hash"/> (the O(1) lookup of a presented key); encrypted
/// kinds also keep <see cref="ProtectedValue"/>, because they must be read back.
/// </summary>
public sealed class IssuedKey
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public KeyKind Kind { get; set; }

    /// <summary>What the key belongs to, as <see cref="KeyOwner.Stored"/> writes it (read it back with <see cref="KeyOwner.TryParse"/>).</summary>
    public required string OwnerId { get; set; }

    /// <summary>SHA-256 of the key; unique, so a presented key is found in O(1). Null only on encrypted keys minted before the KeyScopes migration until the bootstrap backfills it.</summary>
    public string? Hash { get; set; }
    public string? ProtectedValue { get; set; }
    public required string KeyPrefix { get; set; }
    public long CreatedAt { get; set; }

    /// <summary>Set by a rotation with a grace period: the key works until then.</summary>
    public long? ExpiresAt { get; set; }
    public long? RevokedAt { get; set; }
    public long? LastUsedAt { get; set; }

    /// <summary>How many accepted uses the key has carried (written with last used, in <see cref="KeyUsage"/>'s batch).</summary>
    public long UseCount { get; set; }

    /// <summary>When a rotation replaced this key (it may live on in a grace period).</summary>
    public long? SupersededAt { get; set; }

    /// <summary><see cref="UseCount"/> when the key was replaced: the uses since the rotation are the difference.</summary>
    public long UseCountAtSupersede { get; set; }

    /// <summary>When a secret scanner reported the key found in public (see <c>SecretScanning</c>), and where.</summary>
    public long? LeakedAt { get; set; }
    public string? LeakUrl { get; set; }

    /// <summary>When the lifecycle sweep announced that the key's rotation is due, and that it is past its age: each once.</summary>
    public long? DueAnnouncedAt { get; set; }
    public long? ExpiredAnnouncedAt { get; set; }

    /// <summary>When a use of this revoked key was last announced (<c>key.used_after_revoke</c>, at most once an hour).</summary>
    public long? RevokedUseAnnouncedAt { get; set; }

    public required string CreatedBy { get; set; }

    public const int LeakUrlLength = 2048;

    /// <summary>What the key may do, space-separated (e.g. <c>mcp:invoke</c>); checked where the key is used.</summary>
    public string Scopes { get; set; } = "";

    public IReadOnlyList<string> ScopeList => KeyScopes.Parse(Scopes);

    public bool HasScope(string scope) => ScopeList.Contains(scope, StringComparer.Ordinal);

    public bool IsUsableAt(long now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>Scopes as stored on an issued key: space-separated, like OAuth's <c>scope</c>.</summary>
public static class KeyScopes
{
    public static IReadOnlyList<string> Parse(string? scopes) =>
        string.IsNullOrWhiteSpace(scopes) ? [] : scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Join(IEnumerable<string>? scopes) =>
        scopes is null ? "" : string.Join(' ', scopes.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).Distinct(StringComparer.Ordinal));
}

/// <summary>Which key is active for an owner. Its <see cref="Version"/> makes concurrent rotations serialise: exactly one active key remains.</summary>
public sealed class KeyBinding
{
    public required string TenantId { get; set; }
    public required string OwnerId { get; set; }
    public Guid? ActiveKeyId { get; set; }
    public Guid Version { get; set; }
    public long? RotatedAt { get; set; }
}

/// <summary>A key as lists show it: never the secret.</summary>
public sealed record KeyInfo(Guid Id, string KeyPrefix, long CreatedAt, long? ExpiresAt, long? RevokedAt, long? LastUsedAt, bool Active)
{
    /// <summary>When the tenant's age policy wants the key rotated (created + maxAgeDays); null without a maximum age, or where a list does not say.</summary>
    public long? RotationDueAt { get; init; }
}

/// <summary>The result of a mint or rotate: the only object that carries the new secret.</summary>
public sealed record MintedKey(Guid KeyId, Secret Secret, long CreatedAt, Guid? PreviousKeyId, long? PreviousExpiresAt);

[JsonConverter(typeof(JsonStringEnumConverter<IssueMode>))]
public enum IssueMode
{
    /// <summary>Mint the first key; a conflict when one is bound.</summary>
    First,

    /// <summary>Replace the bound key; a bad request when none is bound.</summary>
    Rotate,

    /// <summary>Mint when none is bound, rotate otherwise.</summary>
    FirstOrRotate,
}

/// <summary>The outcome of checking a presented key.</summary>
public enum KeyCheckOutcome
{
    Valid,
    Malformed,
    Unknown,
    Revoked,
    WrongOwner,

    /// <summary>Older than the tenant's enforced maximum age for its kind.</summary>
    Expired,
}

/// <summary>
/// What a presented key is used for, so the key engine audits a refused use once under the caller's name:
/// <c>{Action}.{outcome}</c> (e.g. <c>mcp.refused.revoked</c>) on <see cref="Target"/>.
/// </summary>
public sealed record KeyUse(string Action, string Target);

public sealed record KeyCheck(KeyCheckOutcome Outcome, IssuedKey? Key)
{
    public bool IsValid => Outcome == KeyCheckOutcome.Valid;
}
