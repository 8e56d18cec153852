using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Portal.Core.Integrations;
using Portal.Core.Outbound;

namespace Portal.Core.OAuth;

/// <summary>
/// Test-connect for non-OAuth methods: calls the method's <c>authSettings.testUrl</c> with the credential; 2xx = success.
/// Credential names (the method's parameters, secret ones stored encrypted):
/// API_KEY → <c>apiKey</c> (else the first secret parameter), sent in header <c>headerName</c>
/// (default <c>X-Api-Key</c>) or, when authSettings say <c>"in": "query"</c>, as query parameter
/// <c>queryName</c> (default <c>api_key</c>); BEARER_TOKEN → <c>token</c> (else the first secret
/// parameter) as <c>Authorization: Bearer</c>; BASIC → <c>username</c> and <c>password</c>; NONE → nothing.
/// A credential name matches in any spelling (<c>API_KEY</c>, <c>api-key</c>), see <see cref="IntegrationRules.FindCredential"/>.
/// </summary>
public sealed class CredentialTester(IHttpClientFactory httpFactory)
{
    internal async Task<(bool Success, string? Error)> TestAsync(CredentialSet credentials, CancellationToken ct)
    {
        var method = credentials.Method;
        var settings = method.AuthSettings.Parameters;
        var testUrl = settings.GetValueOrDefault("testUrl").AsText();
        if (string.IsNullOrWhiteSpace(testUrl) || !Uri.TryCreate(testUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return (false, $"The auth method '{method.Id}' has no http(s) testUrl in its authSettings, so its credentials cannot be tested.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        switch (method.Type)
        {
            case AuthType.ApiKey:
                var key = Credential(credentials, "apiKey");
                if (key is null)
                {
                    return (false, "No API key is set.");
                }

                if (string.Equals(settings.GetValueOrDefault("in").AsText(), "query", StringComparison.OrdinalIgnoreCase))
                {
                    var name = settings.GetValueOrDefault("queryName").AsText() ?? "api_key";
                    request.RequestUri = new Uri(QueryHelpers.AddQueryString(url.ToString(), name, key));
                }
                else
                {
                    request.Headers.TryAddWithoutValidation(settings.GetValueOrDefault("headerName").AsText() ?? "X-Api-Key", key);
                }

                break;
            case AuthType.BearerToken:
                var token = Credential(credentials, "token");
                if (token is null)
                {
                    return (false, "No token is set.");
                }

                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                break;
            case AuthType.Basic:
                var user = credentials.Values.GetValueOrDefault("username");
                var password = IntegrationRules.FindCredential(credentials.Values, "password");
                if (user is null || password is null)
                {
                    return (false, "Basic auth needs a username and a password.");
                }

                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
                break;
            case AuthType.None:
                break;
            default:
                return (false, $"Auth type {method.Type} cannot be test-connected.");
        }

        return await SendAsync(request, ct);
    }

    private async Task<(bool, string?)> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var http = httpFactory.CreateClient(OutboundHttp.ClientName);
        try
        {
            using var response = await http.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (true, null);
            }

            // Our own reason phrase: the remote one, like the body, is not echoed.
            var reason = status switch
            {
                401 or 403 => "the credential was refused",
                >= 300 and < 400 => "redirected to another host; not followed with the credential attached",
                _ => "the test URL did not accept the request",
            };
            return (false, $"HTTP {status} {ReasonPhrases.GetReasonPhrase(status)}: {reason}.");
        }
        catch (Exception e) when (Refusal(e) is { } refused)
        {
            return (false, refused);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"The test URL did not answer within {http.Timeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException e)
        {
            // The exception message may name the URL, which may carry a query-string key: report only the kind of failure.
            return (false, $"Could not reach the test URL ({e.HttpRequestError}).");
        }
    }

    internal static string? Refusal(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is OutboundRefusedException refused)
            {
                return refused.Message;
            }
        }

        return null;
    }

    private static string? Credential(CredentialSet credentials, string conventional)
    {
        if (IntegrationRules.FindCredential(credentials.Values, conventional) is { } value)
        {
            return value;
        }

        var secret = credentials.Method.ParametersMetadata.Where(p => p.Secret).OrderBy(p => p.Index).FirstOrDefault();
        return secret is not null ? credentials.Values.GetValueOrDefault(secret.Name) : null;
    }
}
