using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Outbound;
using Portal.Core.Tenancy;
using Refit;

namespace Portal.Core.OAuth;

/// <summary>
/// OAuth2 authorization code flow with PKCE (S256) for OAUTH2 auth methods: start (state + verifier),
/// callback (state checks, code exchange, tokens stored encrypted), and refresh before expiry.
/// </summary>
public sealed class OAuthService(
    IDbContextFactory<PortalDbContext> dbFactory,
    IntegrationService integrations,
    CredentialProtector protector,
    IHttpClientFactory httpFactory,
    IOptions<PortalOptions> portal,
    TimeProvider time)
{
    public const string CallbackPath = "/oauth/callback";
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);

    /// <summary>Where the tokens of the config's auth (or of one authMap entry) live in the credential bag.</summary>
    public static string TokenSection(string? authMapKey) => authMapKey is null ? "oauth" : $"oauth:{authMapKey}";

    public static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>Creates a single-use state and returns the provider's authorization URL, or a reason it cannot.</summary>
    internal async Task<(string? Url, string? Error)> StartAsync(Actor actor, IntegrationDefinition definition, Guid configId, AuthMetadata method, int? authMapIndex, string? authMapKey, OAuthStartContext context, CancellationToken ct)
    {
        var settings = method.AuthSettings.Parameters;
        var authorizationUrl = settings.GetValueOrDefault("authorizationUrl").AsText();
        var clientId = settings.GetValueOrDefault("clientId").AsText();
        if (!Uri.TryCreate(authorizationUrl, UriKind.Absolute, out var authorize) || authorize.Scheme is not ("http" or "https") || string.IsNullOrEmpty(clientId))
        {
            return (null, $"The auth method '{method.Id}' needs an http(s) authorizationUrl and a clientId in its authSettings.");
        }

        var state = Base64Url(RandomNumberGenerator.GetBytes(32));
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var baseUrl = (string.IsNullOrWhiteSpace(portal.Value.PublicBaseUrl) ? context.BaseUrl : portal.Value.PublicBaseUrl).TrimEnd('/');
        var redirectUri = baseUrl + CallbackPath;
        var now = time.NowMs();

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.OAuthStates.Add(new OAuthState
        {
            Id = Guid.CreateVersion7(),
            StateHash = Hash(state),
            TenantId = actor.TenantId,
            IntegrationId = definition.Id,
            ConfigId = configId,
            AuthMapIndex = authMapIndex,
            AuthMapKey = authMapKey,
            StartedBy = actor.Id,
            StartedByKind = actor.Kind,
            BrowserBindingHash = context.BrowserBinding is null ? null : Hash(context.BrowserBinding),
            CodeVerifierProtected = protector.Protect(verifier),
            RedirectUri = redirectUri,
            CreatedAt = now,
            ExpiresAt = now + (long)StateLifetime.TotalMilliseconds,
        });
        await db.OAuthStates.Where(s => s.ExpiresAt < now - (long)TimeSpan.FromDays(1).TotalMilliseconds).ExecuteDeleteAsync(ct);
        await db.SaveChangesAsync(ct);

        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = Scopes(method),
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        };
        return (QueryHelpers.AddQueryString(authorize.ToString(), query.Where(q => !string.IsNullOrEmpty(q.Value))), null);
    }

    /// <summary>
    /// Handles the provider's redirect. An unknown, expired, replayed or tampered state, or a browser flow
    /// returning in another browser, is an error page and stores nothing; otherwise the browser goes back to the config page.
    /// </summary>
    public async Task<OAuthCallbackOutcome> CompleteAsync(string? state, string? code, string? providerError, string? providerErrorDescription, string? browserBinding, string? ip, CancellationToken ct)
    {
        const string Invalid = "This authorization link is invalid, expired or was already used. Start the verification again from the config page.";
        if (string.IsNullOrEmpty(state) || state.Length > 200)
        {
            return OAuthCallbackOutcome.Page(Invalid);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hash = Hash(state);
        var row = await db.OAuthStates.AsNoTracking().FirstOrDefaultAsync(s => s.StateHash == hash, ct);
        var now = time.NowMs();
        if (row is null || row.ConsumedAt is not null || row.ExpiresAt <= now)
        {
            return OAuthCallbackOutcome.Page(Invalid);
        }

        if (row.BrowserBindingHash is not null && (browserBinding is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(browserBinding)), Encoding.ASCII.GetBytes(row.BrowserBindingHash))))
        {
            return OAuthCallbackOutcome.Page("This authorization was started in another browser session. Start the verification again from the config page, in this browser.");
        }

        // Single use: only the request that flips ConsumedAt goes on.
        if (await db.OAuthStates.Where(s => s.Id == row.Id && s.ConsumedAt == null).ExecuteUpdateAsync(s => s.SetProperty(x => x.ConsumedAt, now), ct) != 1)
        {
            return OAuthCallbackOutcome.Page(Invalid);
        }

        var actor = new Actor(row.StartedBy, row.StartedByKind, row.TenantId, TenantRole.Admin, ip);
        var back = $"/t/{Uri.EscapeDataString(row.TenantId)}/integrations/{Uri.EscapeDataString(row.IntegrationId)}/configs/{row.ConfigId}";
        string Back(bool ok, string message) => QueryHelpers.AddQueryString(back, new Dictionary<string, string?> { ["verified"] = ok ? "success" : "error", ["message"] = message });

        if (!string.IsNullOrEmpty(providerError))
        {
            var description = string.IsNullOrWhiteSpace(providerErrorDescription) ? "" : $" ({Truncate(providerErrorDescription, 200)})";
            await AuditAsync(db, actor, row, AuditOutcomes.Failed, ct);
            return new OAuthCallbackOutcome(Back(false, $"The provider did not authorize: {Truncate(providerError, 100)}{description}."), null);
        }

        if (string.IsNullOrEmpty(code))
        {
            return OAuthCallbackOutcome.Page("The provider sent neither a code nor an error.");
        }

        var definition = await integrations.LoadDefinitionAsync(db, row.TenantId, row.IntegrationId, ct);
        var config = await db.Configs.FirstOrDefaultAsync(c => c.TenantId == row.TenantId && c.IntegrationId == row.IntegrationId && c.Id == row.ConfigId, ct);
        var method = definition is null || config is null ? null : CurrentMethod(definition, config, row.AuthMapIndex, row.AuthMapKey);
        if (method is null)
        {
            return OAuthCallbackOutcome.Page("The config or its OAuth auth method changed while you were at the provider. Start the verification again.");
        }

        var (tokens, error, _) = await RequestTokenAsync(definition!, method, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = row.RedirectUri,
            ["code_verifier"] = protector.Unprotect(row.CodeVerifierProtected),
        }, ct);
        if (tokens is null)
        {
            await AuditAsync(db, actor, row, AuditOutcomes.Failed, ct);
            return new OAuthCallbackOutcome(Back(false, $"The code could not be exchanged for tokens: {error}"), null);
        }

        Store(config!, row.AuthMapKey, tokens, refreshTokenBefore: null);
        config!.RecordVerification(now, true, null); // CONNECTED, proven now
        config.ModifiedAt = now;
        config.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, now, "config.oauth.connect", Target(row)));
        await db.SaveChangesAsync(ct);
        return new OAuthCallbackOutcome(Back(true, row.AuthMapKey is null ? "Connected." : $"Connected ({row.AuthMapKey})."), null);
    }

    /// <summary>
    /// The access token of a connected config (or authMap entry), refreshed first when it expires within
    /// <paramref name="minValidity"/>. A refresh the provider refuses sets NEEDS_REAUTH; a network failure does not.
    /// </summary>
    public async Task<Result<Secret>> RefreshIfNeededAsync(Actor actor, string integrationId, Guid configId, int? authMapIndex, TimeSpan minValidity, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var definition = await integrations.LoadDefinitionAsync(db, actor.TenantId, integrationId, ct);
        var config = definition is null ? null : await db.Configs.FirstOrDefaultAsync(c => c.TenantId == actor.TenantId && c.IntegrationId == integrationId && c.Id == configId, ct);
        if (config is null)
        {
            return Error.NotFound($"Config '{configId}' was not found for integration '{integrationId}'.");
        }

        var content = PortalJson.Deserialize<ConfigContent>(config.ContentJson);
        var key = authMapIndex is { } i && content.AuthMap is { } map && i >= 0 && i < map.Count ? map[i].Key : null;
        var method = CurrentMethod(definition!, config, authMapIndex, key);
        var bag = protector.UnprotectBag(config.CredentialsProtected);
        var section = bag.GetValueOrDefault(TokenSection(key));
        if (method is null || section?.GetValueOrDefault("access_token") is not { } access)
        {
            return Error.BadRequest("This config is not connected over OAuth2; verify it first.");
        }

        var expiresAt = long.TryParse(section.GetValueOrDefault("expires_at"), out var e) ? e : long.MaxValue;
        if (expiresAt - time.NowMs() > minValidity.TotalMilliseconds)
        {
            return new Secret(access, "oauth");
        }

        if (section.GetValueOrDefault("refresh_token") is not { } refresh)
        {
            return await NeedsReauthAsync(db, actor, config, "The access token expires and there is no refresh token; authorize again.", ct);
        }

        var (tokens, error, answered) = await RequestTokenAsync(definition!, method, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refresh,
        }, ct);
        if (tokens is null)
        {
            return answered
                ? await NeedsReauthAsync(db, actor, config, $"The token refresh was refused: {error} Authorize again.", ct)
                : Error.BadRequest($"The token refresh failed: {error}");
        }

        Store(config, key, tokens, refresh);
        config.AuthStatus = AuthStatus.Connected;
        config.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "config.oauth.refresh", $"integrations/{integrationId}/configs/{configId}"));
        await db.SaveChangesAsync(ct);
        return new Secret(tokens.AccessToken!, "oauth");
    }

    private async Task<Error> NeedsReauthAsync(PortalDbContext db, Actor actor, Config config, string message, CancellationToken ct)
    {
        config.AuthStatus = AuthStatus.NeedsReauth;
        config.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "config.oauth.refresh", $"integrations/{config.IntegrationId}/configs/{config.Id}", AuditOutcomes.Failed));
        await db.SaveChangesAsync(ct);
        return Error.BadRequest(message);
    }

    private void Store(Config config, string? authMapKey, TokenResponse tokens, string? refreshTokenBefore)
    {
        var bag = protector.UnprotectBag(config.CredentialsProtected);
        var section = new Dictionary<string, string>(StringComparer.Ordinal) { ["access_token"] = tokens.AccessToken! };
        if ((tokens.RefreshToken ?? refreshTokenBefore) is { } refresh)
        {
            section["refresh_token"] = refresh; // a provider may keep the refresh token and not send it again
        }

        long? expiresAt = tokens.ExpiresIn is { } seconds ? time.NowMs() + (seconds * 1000) : null;
        if (expiresAt is not null)
        {
            section["expires_at"] = expiresAt.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        bag[TokenSection(authMapKey)] = section;
        config.CredentialsProtected = protector.ProtectBag(bag);
        config.OAuthScopes = tokens.Scope;
        config.OAuthExpiresAt = expiresAt;
    }

    /// <summary>Exchanges a grant at the tokenUrl through the Refit client; the error text never holds a token or secret.</summary>
    private async Task<(TokenResponse? Tokens, string? Error, bool ProviderAnswered)> RequestTokenAsync(IntegrationDefinition definition, AuthMetadata method, Dictionary<string, string> form, CancellationToken ct)
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

    private static AuthMetadata? CurrentMethod(IntegrationDefinition definition, Config config, int? authMapIndex, string? authMapKey)
    {
        var content = PortalJson.Deserialize<ConfigContent>(config.ContentJson);
        var auth = authMapIndex is null ? content.Auth : content.AuthMap?.FirstOrDefault(e => e.Key == authMapKey)?.Auth;
        var method = definition.Metadata.AuthMetadata.FirstOrDefault(a => a.Id == auth?.AuthMetadataId);
        return method?.Type == AuthType.OAuth2 ? method : null;
    }

    private static string Scopes(AuthMetadata method) => method.AuthSettings.Parameters.GetValueOrDefault("scopes") switch
    {
        System.Text.Json.Nodes.JsonArray list => string.Join(' ', list.Select(s => s.AsText())),
        { } one => one.AsText() ?? "",
        null => "",
    };

    private async Task AuditAsync(PortalDbContext db, Actor actor, OAuthState row, string outcome, CancellationToken ct)
    {
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "config.oauth.connect", Target(row), outcome));
        await db.SaveChangesAsync(ct);
    }

    private static string Target(OAuthState row) => $"integrations/{row.IntegrationId}/configs/{row.ConfigId}";

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    private static string Base64Url(byte[] bytes) => WebEncoders.Base64UrlEncode(bytes);
}
