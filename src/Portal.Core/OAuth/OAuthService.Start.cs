using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Integrations;
using Portal.Core.Tenancy;

namespace Portal.Core.OAuth;

/// <summary>Authorize-start: a single-use state and PKCE verifier, and the provider's authorization URL.</summary>
public sealed partial class OAuthService
{
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

    private static string Scopes(AuthMetadata method) => method.AuthSettings.Parameters.GetValueOrDefault("scopes") switch
    {
        System.Text.Json.Nodes.JsonArray list => string.Join(' ', list.Select(s => s.AsText())),
        { } one => one.AsText() ?? "",
        null => "",
    };
}
