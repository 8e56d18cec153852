using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Portal.Tests.Entra;

/// <summary>
/// A small but real OpenID Connect provider on a loopback port, standing in for Microsoft Entra ID. It serves
/// Entra's v2.0 endpoint layout under <c>/{tenant}</c>: discovery, JWKS (one RSA key), an authorization endpoint that
/// approves at once (the user is <c>login_hint</c> or <see cref="DefaultUser"/>) and answers with query, fragment or
/// form_post, and a token endpoint for the authorization-code grant (client secret and PKCE checked) issuing RS256
/// id and access tokens shaped like Entra's v2.0 tokens.
/// </summary>
public sealed partial class LoopbackOidcProvider : IAsyncDisposable
{
    public const string EntraTenantId = "7a1c7c5e-0c5e-4a5e-9d6f-3b1f3b8f0a11";

    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> _codes = new();

    private LoopbackOidcProvider(WebApplication app, string clientId, string? clientSecret)
    {
        _app = app;
        ClientId = clientId;
        ClientSecret = clientSecret;
        SigningKey = new RsaSecurityKey(_rsa) { KeyId = "loopback-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant() };
    }

    public string ClientId { get; }

    public string? ClientSecret { get; }

    public RsaSecurityKey SigningKey { get; }

    /// <summary>Scheme, host and port, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>What an app sets as <c>AzureAd:Instance</c>.</summary>
    public string Instance => BaseUrl + "/";

    public string Issuer => $"{BaseUrl}/{EntraTenantId}/v2.0";

    public string DiscoveryPath => $"/{EntraTenantId}/v2.0/.well-known/openid-configuration";

    public string KeysPath => $"/{EntraTenantId}/discovery/v2.0/keys";

    public string AuthorizePath => $"/{EntraTenantId}/oauth2/v2.0/authorize";

    public string TokenPath => $"/{EntraTenantId}/oauth2/v2.0/token";

    public string DefaultUser { get; set; } = "admin@localhost";

    /// <summary>Every request the provider answered, as "METHOD /path".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<LoopbackOidcProvider> StartAsync(string clientId, string? clientSecret)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "LoopbackOidc", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new LoopbackOidcProvider(app, clientId, clientSecret);
        provider.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        provider.BaseUrl = address.TrimEnd('/');
        return provider;
    }

    private void Map(WebApplication app)
    {
        app.Use(async (ctx, next) =>
        {
            Requests.Enqueue($"{ctx.Request.Method} {ctx.Request.Path}");
            await next(ctx);
        });

        app.MapGet(DiscoveryPath, () => Results.Json(new JsonObject
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = BaseUrl + AuthorizePath,
            ["token_endpoint"] = BaseUrl + TokenPath,
            ["jwks_uri"] = BaseUrl + KeysPath,
            ["response_types_supported"] = new JsonArray("code", "id_token", "code id_token"),
            ["response_modes_supported"] = new JsonArray("query", "fragment", "form_post"),
            ["subject_types_supported"] = new JsonArray("pairwise"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            ["scopes_supported"] = new JsonArray("openid", "profile", "email", "offline_access"),
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "client_secret_basic"),
            ["code_challenge_methods_supported"] = new JsonArray("S256", "plain"),
            ["claims_supported"] = new JsonArray("sub", "iss", "aud", "exp", "iat", "nbf", "nonce", "name", "email", "preferred_username", "oid", "tid", "ver"),
        }));

        app.MapGet(KeysPath, () =>
        {
            var p = _rsa.ExportParameters(includePrivateParameters: false);
            return Results.Json(new JsonObject
            {
                ["keys"] = new JsonArray(new JsonObject
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = SigningKey.KeyId,
                    ["n"] = Base64UrlEncoder.Encode(p.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                }),
            });
        });

        app.MapGet(AuthorizePath, Authorize);
        app.MapPost(TokenPath, TokenAsync);
    }

    private IResult Authorize(HttpRequest request)
    {
        var q = request.Query;
        string? redirectUri = q["redirect_uri"];
        if (q["client_id"] != ClientId || !Uri.TryCreate(redirectUri, UriKind.Absolute, out _))
        {
            // Like Entra: a wrong client or redirect URI is shown to the user, never sent back to the caller.
            return Results.BadRequest(new { error = "invalid_request", error_description = "unknown client_id or redirect_uri" });
        }

        var responseType = q["response_type"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var scopes = q["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var responseMode = q["response_mode"].ToString() is { Length: > 0 } mode ? mode : responseType.SetEquals(["code"]) ? "query" : "fragment";
        var parameters = new Dictionary<string, string>();
        if (q["state"].ToString() is { Length: > 0 } state)
        {
            parameters["state"] = state;
        }

        if (!scopes.Contains("openid") || responseType.Count == 0 || !responseType.IsSubsetOf(["code", "id_token"]))
        {
            parameters["error"] = "invalid_request";
            parameters["error_description"] = "scope must include openid; response_type must be code and/or id_token";
            return Respond(redirectUri!, responseMode, parameters);
        }

        var user = q["login_hint"].ToString() is { Length: > 0 } hint ? hint : DefaultUser;
        string? nonce = q["nonce"];
        string? code = null;
        if (responseType.Contains("code"))
        {
            code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
            _codes[code] = new Grant(user, redirectUri!, nonce, q["code_challenge"], q["code_challenge_method"], string.Join(' ', scopes));
            parameters["code"] = code;
        }

        if (responseType.Contains("id_token"))
        {
            parameters["id_token"] = IssueIdToken(user, nonce, accessToken: null, code);
        }

        return Respond(redirectUri!, responseMode, parameters);
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var (clientId, clientSecret) = ClientCredentials(request, form);
        if (clientId != ClientId || (ClientSecret is not null && clientSecret != ClientSecret))
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: StatusCodes.Status401Unauthorized);
        }

        if (form["grant_type"] != "authorization_code")
        {
            return Results.BadRequest(new { error = "unsupported_grant_type" });
        }

        if (form["code"].ToString() is not { Length: > 0 } code || !_codes.TryRemove(code, out var grant) || form["redirect_uri"] != grant.RedirectUri)
        {
            return Results.BadRequest(new { error = "invalid_grant" });
        }

        if (grant.CodeChallenge is { Length: > 0 })
        {
            string verifier = form["code_verifier"].ToString();
            var expected = grant.CodeChallengeMethod == "S256" ? Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) : verifier;
            if (string.IsNullOrEmpty(verifier) || expected != grant.CodeChallenge)
            {
                return Results.BadRequest(new { error = "invalid_grant", error_description = "PKCE verification failed" });
            }
        }

        var accessToken = IssueAccessToken(grant.User);
        return Results.Json(new
        {
            token_type = "Bearer",
            scope = grant.Scope,
            expires_in = 3600,
            access_token = accessToken,
            id_token = IssueIdToken(grant.User, grant.Nonce, accessToken, code: null),
        });
    }

    /// <summary>Runs the authorization-code flow against this provider over HTTP, as a client would, and returns the token response.</summary>
    public async Task<JsonObject> SignInAsync(string email)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        const string redirect = "http://127.0.0.1/callback";
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = $"{BaseUrl}{AuthorizePath}?client_id={Uri.EscapeDataString(ClientId)}&response_type=code&scope=openid%20profile"
            + $"&redirect_uri={Uri.EscapeDataString(redirect)}&state=s&code_challenge={challenge}&code_challenge_method=S256&login_hint={Uri.EscapeDataString(email)}";
        using var approved = await http.GetAsync(authorize);
        var location = approved.Headers.Location ?? throw new InvalidOperationException($"authorize answered {(int)approved.StatusCode}");
        var code = System.Web.HttpUtility.ParseQueryString(location.Query)["code"];
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code!,
            ["redirect_uri"] = redirect,
            ["client_id"] = ClientId,
            ["code_verifier"] = verifier,
        };
        if (ClientSecret is not null)
        {
            form["client_secret"] = ClientSecret;
        }

        using var token = await http.PostAsync(BaseUrl + TokenPath, new FormUrlEncodedContent(form));
        var body = await token.Content.ReadAsStringAsync();
        return token.IsSuccessStatusCode
            ? (JsonObject)JsonNode.Parse(body)!
            : throw new InvalidOperationException($"token endpoint answered {(int)token.StatusCode}: {body}");
    }

    private static (string? Id, string? Secret) ClientCredentials(HttpRequest request, IFormCollection form)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim())).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : null);
        }

        return (form["client_id"], form["client_secret"]);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
    }

    private sealed record Grant(string User, string RedirectUri, string? Nonce, string? CodeChallenge, string? CodeChallengeMethod, string Scope);
}
