using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Portal.Core.Configs;

namespace Portal.Core.OAuth;

/// <summary>
/// Seed 000 <c>:verifyAuth</c> and seed 001 <c>:verifyConfig</c> result. <c>success</c> is true only
/// when the credential was proven; an OAUTH2 method answers <c>authorizationUrl</c> instead (the
/// flow completes at <c>/oauth/callback</c>). <c>error</c> holds a status and a short reason, never a credential.
/// </summary>
public sealed record VerificationResult
{
    public required bool Success { get; init; }
    public string? Error { get; init; }
    public string? AuthorizationUrl { get; init; }
    public IReadOnlyList<AuthMapVerification>? AuthMapResults { get; init; }

    /// <summary><c>:verifyConfig</c> only: one result per auth method tested (absent from <c>:verifyAuth</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AuthMethodVerification>? AuthMethodResults { get; init; }
}

public sealed record AuthMapVerification(int Index, string Key, bool Success, string? Error, string? AuthorizationUrl);

/// <summary>The test-connect of one auth method of an integration (<c>:verifyConfig</c>).</summary>
public sealed record AuthMethodVerification(string AuthMetadataId, bool Success, string? Error);

/// <summary>
/// Seed 001 <c>:verifyConfig</c> body, optional: without <c>auth</c> the integration's stored credentials are tested;
/// <c>auth.authMetadataId</c> picks one method and <c>auth.parameters</c> override stored values for this one test.
/// </summary>
public sealed class VerifyConfigInput
{
    public AuthInput? Auth { get; set; }
}

/// <summary>Where the OAuth flow was started from: the portal's base URL and, for a signed-in browser, its binding value.</summary>
public sealed record OAuthStartContext(string BaseUrl, string? BrowserBinding);

/// <summary>What one credential check needs: the auth method and the credential values, by parameter name.</summary>
internal sealed record CredentialSet(Integrations.AuthMetadata Method, IReadOnlyDictionary<string, string> Values);

/// <summary>The outcome of <c>GET /oauth/callback</c>: an error page (nothing stored) or a redirect to the config page.</summary>
public sealed record OAuthCallbackOutcome(string? RedirectTo, string? ErrorPage)
{
    public static OAuthCallbackOutcome Page(string message) => new(null, message);
}

internal static class JsonValues
{
    public static string? AsText(this JsonNode? node) =>
        node is null ? null : node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();
}
