using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.OAuth;

/// <summary>Refresh: the access token of a connected config, renewed with its refresh token before it expires.</summary>
public sealed partial class OAuthService
{
    /// <summary>
    /// The access token of a connected config (or authMap entry), refreshed first when it expires within
    /// <paramref name="minValidity"/>. A refresh the provider refuses sets NEEDS_REAUTH; a network failure does not.
    /// </summary>
    public async Task<Result<Secret>> RefreshIfNeededAsync(Actor actor, string integrationId, Guid configId, int? authMapIndex, TimeSpan minValidity, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await Configs.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        if (loaded.Value is not { } config)
        {
            return loaded.Error!;
        }

        var key = authMapIndex is { } i && config.Content.AuthMap is { } map && i >= 0 && i < map.Count ? map[i].Key : null;
        var method = CurrentMethod(config, authMapIndex, key);
        var section = config.Credentials.GetValueOrDefault(TokenSection(key));
        if (method is null || section?.GetValueOrDefault("access_token") is not { } access)
        {
            return Error.BadRequest("This config is not connected over OAuth2; verify it first.");
        }

        var expiresAt = long.TryParse(section.GetValueOrDefault("expires_at"), out var e) ? e : long.MaxValue;
        if (expiresAt - time.NowMs() > minValidity.TotalMilliseconds)
        {
            return new Secret(access, "oauth");
        }

        var fingerprint = config.AuthFingerprint();
        if (section.GetValueOrDefault("refresh_token") is not { } refresh)
        {
            return await NeedsReauthAsync(actor, integrationId, configId, fingerprint, "The access token expires and there is no refresh token; authorize again.", ct);
        }

        var (tokens, error, answered) = await TokenExchange.RequestAsync(httpFactory, config.Definition, method, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refresh,
        }, ct);
        PortalMetrics.OAuthRefreshes.Add(1, PortalMetrics.Tag("outcome", tokens is not null ? "refreshed" : answered ? "needs_reauth" : "failed"));
        if (tokens is null)
        {
            return answered
                ? await NeedsReauthAsync(actor, integrationId, configId, fingerprint, $"The token refresh was refused: {error} Authorize again.", ct)
                : Error.BadRequest($"The token refresh failed: {error}");
        }

        // The refresh token may be spent (rotating providers): the request is not repeated. Storing its answer re-reads
        // the config (a write may have landed meanwhile) and is retried like any write that loses a race.
        return await ConcurrencyRetry.RunAsync(dbFactory, async attempt =>
        {
            var current = await SameCredentialsAsync(attempt, actor, integrationId, configId, fingerprint, ct);
            if (current?.Credentials.ContainsKey(TokenSection(key)) != true)
            {
                return Error.BadRequest("The config's credentials changed during the token refresh, so the new tokens were not stored; verify the config again.");
            }

            StoreTokens(current, key, tokens, refresh);
            current.Entity.AuthStatus = AuthStatus.Connected;
            current.Entity.Version = Guid.NewGuid();
            attempt.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "config.oauth.refresh", current.Target));
            await attempt.SaveChangesAsync(ct);
            return Result<Secret>.Ok(new Secret(tokens.AccessToken!, "oauth"));
        }, Resource, ct);
    }

    /// <summary>Marks the config NEEDS_REAUTH (on a fresh read, retried on a race) unless its credentials were replaced meanwhile; the error either way.</summary>
    private async Task<Result<Secret>> NeedsReauthAsync(Actor actor, string integrationId, Guid configId, string fingerprint, string message, CancellationToken ct)
    {
        var marked = await ConcurrencyRetry.RunAsync(dbFactory, async db =>
        {
            if (await SameCredentialsAsync(db, actor, integrationId, configId, fingerprint, ct) is { } config)
            {
                config.Entity.AuthStatus = AuthStatus.NeedsReauth;
                config.Entity.Version = Guid.NewGuid();
                var now = time.NowMs();
                db.AuditEvents.Add(AuditEvent.Of(actor, now, "config.oauth.refresh", config.Target, AuditOutcomes.Failed));
                Notifications.NotificationEvents.StageOAuth(db, Notifications.NotificationEvents.OAuthNeedsReauth, config.Entity, actor.AuditName, now, message);
                await db.SaveChangesAsync(ct);
            }

            return Result<bool>.Ok(true);
        }, Resource, ct);
        return marked.IsSuccess ? Error.BadRequest(message) : marked.Error!;
    }
}
