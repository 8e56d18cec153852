using Portal.Core.Audit;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.OAuth;

/// <summary>
/// OAuth2 authorization code flow with PKCE (S256) for OAUTH2 auth methods, by operation: start (state + verifier,
/// <c>OAuthService.Start.cs</c>), callback (state checks, code exchange, tokens stored encrypted,
/// <c>OAuthService.Callback.cs</c>), and refresh before expiry (<c>OAuthService.Refresh.cs</c>). The token endpoint
/// is called once per grant; storing what it answered re-reads the config, so a write that landed meanwhile is kept.
/// </summary>
public sealed partial class OAuthService(
    IDbContextFactory<PortalDbContext> dbFactory,
    IntegrationService integrations,
    CredentialProtector protector,
    IHttpClientFactory httpFactory,
    IOptions<PortalOptions> portal,
    Refusals refusals,
    TimeProvider time)
{
    public const string CallbackPath = "/oauth/callback";
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);
    private const string Resource = "config";

    private ConfigAccess Configs => field ??= new(integrations, protector, refusals);

    /// <summary>Where the tokens of the config's auth (or of one authMap entry) live in the credential bag.</summary>
    public static string TokenSection(string? authMapKey) => authMapKey is null ? "oauth" : $"oauth:{authMapKey}";

    public static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>
    /// The config, re-read for storing what a token request answered, if its credentials are still those the grant was
    /// made with (<paramref name="fingerprint"/>); null when they were replaced (or the config deleted) meanwhile.
    /// </summary>
    private async Task<LoadedConfig?> SameCredentialsAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, string fingerprint, CancellationToken ct)
    {
        var loaded = await Configs.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        return loaded.Value is { } config && config.AuthFingerprint() == fingerprint ? config : null;
    }

    /// <summary>Writes the tokens into the config's credential bag (encrypted), keeping a refresh token the provider did not send again.</summary>
    private void StoreTokens(LoadedConfig config, string? authMapKey, TokenResponse tokens, string? refreshTokenBefore)
    {
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

        var bag = config.Credentials;
        bag[TokenSection(authMapKey)] = section;
        config.SetCredentials(bag);
        config.Entity.OAuthScopes = tokens.Scope;
        config.Entity.OAuthExpiresAt = expiresAt;
    }

    /// <summary>The OAUTH2 auth method the config (or its authMap entry <paramref name="authMapKey"/>) uses now; null when it uses another.</summary>
    private static AuthMetadata? CurrentMethod(LoadedConfig config, int? authMapIndex, string? authMapKey)
    {
        var auth = authMapIndex is null ? config.Content.Auth : config.Content.AuthMap?.FirstOrDefault(e => e.Key == authMapKey)?.Auth;
        var method = config.Metadata.AuthMetadata.FirstOrDefault(a => a.Id == auth?.AuthMetadataId);
        return method?.Type == AuthType.OAuth2 ? method : null;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    private static string Base64Url(byte[] bytes) => WebEncoders.Base64UrlEncode(bytes);
}
