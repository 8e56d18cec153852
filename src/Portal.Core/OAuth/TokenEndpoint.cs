using System.Text.Json.Serialization;
using Portal.Core.Common;
using Portal.Core.Integrations;
using Portal.Core.Outbound;
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

/// <summary>One grant at an auth method's tokenUrl (code exchange or refresh), through the Refit client.</summary>
internal static class TokenExchange
{
    /// <summary>Exchanges a grant; the error text never holds a token or secret. <c>ProviderAnswered</c>: the provider itself refused (not the network).</summary>
    public static async Task<(TokenResponse? Tokens, string? Error, bool ProviderAnswered)> RequestAsync(IHttpClientFactory httpFactory, IntegrationDefinition definition, AuthMetadata method, Dictionary<string, string> form, CancellationToken ct)
    {
        var settings = method.AuthSettings.Parameters;
        if (!Uri.TryCreate(settings.GetValueOrDefault("tokenUrl").AsText(), UriKind.Absolute, out var tokenUrl) || tokenUrl.Scheme is not ("http" or "https"))
        {
            return (null, $"The auth method '{method.Id}' has no http(s) tokenUrl.", false);
        }

        form["client_id"] = settings.GetValueOrDefault("clientId").AsText() ?? "";
        if (IntegrationRules.FindCredential(definition.Credentials.GetValueOrDefault(method.Id), "clientSecret") is { } clientSecret)
        {
            form["client_secret"] = clientSecret;
        }

        var http = httpFactory.CreateClient(OutboundHttp.ClientName);
        http.BaseAddress = new Uri(tokenUrl.GetLeftPart(UriPartial.Authority));
        var api = RestService.For<ITokenEndpoint>(http);
        try
        {
            using var response = await api.RequestAsync(tokenUrl.AbsolutePath.TrimStart('/'), form, ct);
            if (!response.IsSuccessStatusCode)
            {
                var code = OAuthErrorCode((response.Error as ApiException)?.Content);
                return (null, $"the token endpoint answered HTTP {(int?)response.StatusCode}{(code is null ? "" : $" ({code})")}.", true);
            }

            return response.Content?.AccessToken is { Length: > 0 }
                ? (response.Content, null, true)
                : (null, "the token endpoint answered without an access_token.", true);
        }
        catch (Exception e) when (CredentialTester.Refusal(e) is { } refused)
        {
            return (null, refused, false);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, "the token endpoint did not answer in time.", false);
        }
        catch (HttpRequestException e)
        {
            return (null, $"the token endpoint could not be reached ({e.HttpRequestError}).", false);
        }
        catch (ApiException e)
        {
            return (null, $"the token endpoint's answer could not be read (HTTP {(int)e.StatusCode}).", true);
        }
    }

    /// <summary>The RFC 6749 <c>error</c> code of a token error response, if it is a plain code.</summary>
    private static string? OAuthErrorCode(string? body)
    {
        try
        {
            var code = body is null ? null : System.Text.Json.Nodes.JsonNode.Parse(body)?["error"]?.GetValue<string>();
            return code is { Length: <= 64 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? code : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
