using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Portal.Core.Integrations;

namespace Portal.Core.Configs;

[JsonConverter(typeof(JsonStringEnumConverter<AuthStatus>))]
public enum AuthStatus
{
    [JsonStringEnumMemberName("NOT_CONNECTED")] NotConnected,
    [JsonStringEnumMemberName("CONNECTED")] Connected,
    [JsonStringEnumMemberName("NEEDS_REAUTH")] NeedsReauth,
}

/// <summary>A configuration of an integration: the draft, with credentials encrypted apart.</summary>
public sealed class Config
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public required string IntegrationId { get; set; }
    public required string DisplayName { get; set; }

    /// <summary>The draft's <see cref="ConfigContent"/> without credential values.</summary>
    public required string ContentJson { get; set; }

    /// <summary>Encrypted credential bag: section ("parameters", "auth", "authMap:{key}") → name → value.</summary>
    public string? CredentialsProtected { get; set; }
    public AuthStatus AuthStatus { get; set; }

    /// <summary>OAuth2: the scopes the provider granted (space-separated) and when the access token expires (epoch ms).</summary>
    public string? OAuthScopes { get; set; }
    public long? OAuthExpiresAt { get; set; }
    public Guid? PublishedRevisionId { get; set; }
    public long CreatedAt { get; set; }
    public long ModifiedAt { get; set; }

    /// <summary>When the current credentials were last proven (a successful test-connect or OAuth authorization), epoch ms.</summary>
    public long? LastVerifiedAt { get; set; }

    /// <summary>The last verification's outcome: when, whether it worked, and its short reason (never a credential).</summary>
    public long? LastVerificationAt { get; set; }
    public bool? LastVerificationSuccess { get; set; }
    public string? LastVerificationError { get; set; }

    /// <summary>Optimistic concurrency: two concurrent writers cannot both win. A new value on every write; the API's ETag.</summary>
    public Guid Version { get; set; }

    public const int MaxVerificationError = 500;

    /// <summary>
    /// The one rule for what a verification does to the connection state: a proof sets CONNECTED and
    /// <see cref="LastVerifiedAt"/>; a failure sets NOT_CONNECTED, so the badge never says connected next to a failed test.
    /// </summary>
    public void RecordVerification(long at, bool success, string? error)
    {
        LastVerificationAt = at;
        LastVerificationSuccess = success;
        LastVerificationError = success || error is null ? null : error.Length <= MaxVerificationError ? error : error[..(MaxVerificationError - 1)] + "…";
        if (success)
        {
            AuthStatus = AuthStatus.Connected;
            LastVerifiedAt = at;
        }
        else
        {
            AuthStatus = AuthStatus.NotConnected;
        }
    }

    /// <summary>New credentials have not been proven: NOT_CONNECTED, and what was verified before no longer applies.</summary>
    public void ResetConnection()
    {
        AuthStatus = AuthStatus.NotConnected;
        OAuthScopes = null;
        OAuthExpiresAt = null;
        LastVerifiedAt = null;
        LastVerificationAt = null;
        LastVerificationSuccess = null;
        LastVerificationError = null;
    }

    /// <summary>The last verification as a response shows it; null when there was none.</summary>
    public LastVerification? LastVerification =>
        LastVerificationAt is { } at ? new LastVerification(at, LastVerificationSuccess == true, LastVerificationError) : null;
}

/// <summary>The outcome of a config's last verification: <c>{at, success, error}</c> (epoch ms; error only on failure).</summary>
public sealed record LastVerification(long At, bool Success, string? Error);

/// <summary>An immutable snapshot of a config taken at publish.</summary>
public sealed class ConfigRevision
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public Guid ConfigId { get; set; }
    public int Number { get; set; }
    public required string ContentJson { get; set; }
    public string? CredentialsProtected { get; set; }
    public long CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

/// <summary>What a draft or a revision holds, minus credential values.</summary>
public sealed class ConfigContent
{
    public string DisplayName { get; set; } = "";
    public string? Description { get; set; }
    public Dictionary<string, JsonNode?> Parameters { get; set; } = new(StringComparer.Ordinal);
    public StoredAuth? Auth { get; set; }
    public List<StoredAuthMapEntry>? AuthMap { get; set; }
    public string? SigningSecretName { get; set; }
}

public sealed class StoredAuth
{
    public string AuthMetadataId { get; set; } = "";
    public Dictionary<string, JsonNode?> Parameters { get; set; } = new(StringComparer.Ordinal);
}

public sealed class StoredAuthMapEntry
{
    public string Key { get; set; } = "";
    public StoredAuth Auth { get; set; } = new();
}

/// <summary>Create (POST) or merge (PATCH) body of a config. In PATCH, omitted or null fields are kept; inside <c>parameters</c>, a null value clears that parameter.</summary>
public sealed class ConfigInput
{
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public Dictionary<string, JsonNode?>? Parameters { get; set; }
    public AuthInput? Auth { get; set; }
    public List<AuthMapEntryInput>? AuthMap { get; set; }
    public string? SigningSecretName { get; set; }
}

public sealed class AuthInput
{
    public string? AuthMetadataId { get; set; }
    public Dictionary<string, JsonNode?>? Parameters { get; set; }
}

public sealed class AuthMapEntryInput
{
    public string? Key { get; set; }
    public AuthInput? Auth { get; set; }
}

/// <summary>Auth as a response shows it: non-secret parameters, and which secrets are set.</summary>
public sealed record AuthView(string AuthMetadataId, IReadOnlyDictionary<string, JsonNode?> Parameters, IReadOnlyDictionary<string, SecretState> SecretParameters);

public sealed record AuthMapEntryView(string Key, AuthView Auth);

public sealed record ConfigView
{
    public required Guid Id { get; init; }
    public required string IntegrationId { get; init; }
    public required string DisplayName { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyDictionary<string, JsonNode?> Parameters { get; init; }
    public required IReadOnlyDictionary<string, SecretState> SecretParameters { get; init; }
    public AuthView? Auth { get; init; }
    public IReadOnlyList<AuthMapEntryView>? AuthMap { get; init; }
    public required AuthStatus AuthStatus { get; init; }

    /// <summary>OAuth2 connection: granted scopes and access-token expiry (epoch ms); null until connected.</summary>
    public IReadOnlyList<string>? OauthScopes { get; init; }
    public long? OauthExpiresAt { get; init; }

    /// <summary>When the current credentials were last proven (epoch ms); null until then.</summary>
    public long? LastVerifiedAt { get; init; }

    /// <summary>The last verification, successful or not; null until one ran.</summary>
    public LastVerification? LastVerification { get; init; }
    public string? WebhookKeyPrefix { get; init; }
    public string? SigningSecretName { get; init; }
    public Guid? PublishedRevisionId { get; init; }
    public required long CreatedAt { get; init; }
    public required long ModifiedAt { get; init; }

    /// <summary>The row version the view was read at: the API sends it as the <c>ETag</c> header, not in the body.</summary>
    [JsonIgnore]
    public Guid Version { get; init; }
}

public sealed record RevisionSummary(Guid Id, int Number, long CreatedAt, string CreatedBy, bool Published);

public sealed record RevisionView
{
    public required Guid Id { get; init; }
    public required Guid ConfigId { get; init; }
    public required int Number { get; init; }
    public required long CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public required bool Published { get; init; }
    public required string DisplayName { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyDictionary<string, JsonNode?> Parameters { get; init; }
    public required IReadOnlyDictionary<string, SecretState> SecretParameters { get; init; }
    public AuthView? Auth { get; init; }
    public IReadOnlyList<AuthMapEntryView>? AuthMap { get; init; }
    public string? SigningSecretName { get; init; }
}

public sealed record RollbackRequest(Guid RevisionId);
