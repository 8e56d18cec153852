using System.Text.Json.Serialization;
using Refit;

namespace Portal.Core.OAuth;

/// <summary>An OAuth2 token endpoint (RFC 6749 §4.1.3 and §6), form-encoded; the base address is the tokenUrl's origin.</summary>
public interface ITokenEndpoint
{
    [Post("/{**path}")]
    Task<ApiResponse<TokenResponse>> RequestAsync(string path, [Body(BodySerializationMethod.UrlEncoded)] Dictionary<string, string> form, CancellationToken ct);
}

public sealed record TokenResponse
{
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; init; }
    [JsonPropertyName("token_type")] public string? TokenType { get; init; }
    [JsonPropertyName("expires_in")] public long? ExpiresIn { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }

    /// <summary>Never prints a token.</summary>
    public override string ToString() => $"TokenResponse(type={TokenType}, expiresIn={ExpiresIn}, scope={Scope})";
}
