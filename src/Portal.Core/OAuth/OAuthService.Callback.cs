using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.OAuth;

/// <summary>Callback: the provider's redirect, the state checks, the code exchange and the tokens stored on the config.</summary>
public sealed partial class OAuthService
{
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

        var loaded = await Configs.LoadAsync(db, actor, row.IntegrationId, row.ConfigId, forWrite: true, ct);
        var method = loaded.Value is { } config ? CurrentMethod(config, row.AuthMapIndex, row.AuthMapKey) : null;
        if (method is null)
        {
            return OAuthCallbackOutcome.Page("The config or its OAuth auth method changed while you were at the provider. Start the verification again.");
        }

        var fingerprint = loaded.Value!.AuthFingerprint();
        var (tokens, error, _) = await TokenExchange.RequestAsync(httpFactory, loaded.Value.Definition, method, new Dictionary<string, string>
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

        // The code is spent: the exchange is not repeated. Storing its tokens re-reads the config (a write may have landed
        // while the provider answered) and is retried like any write that loses a race.
        var stored = await ConcurrencyRetry.RunAsync(dbFactory, attempt => StoreConnectionAsync(attempt, actor, row, fingerprint, tokens, ct), Resource, ct);
        if (!stored.IsSuccess)
        {
            await AuditAsync(db, actor, row, AuditOutcomes.Failed, ct);
            return new OAuthCallbackOutcome(Back(false, stored.Error!.Detail), null);
        }

        return new OAuthCallbackOutcome(Back(true, row.AuthMapKey is null ? "Connected." : $"Connected ({row.AuthMapKey})."), null);
    }

    private async Task<Result<bool>> StoreConnectionAsync(PortalDbContext db, Actor actor, OAuthState row, string fingerprint, TokenResponse tokens, CancellationToken ct)
    {
        var config = await SameCredentialsAsync(db, actor, row.IntegrationId, row.ConfigId, fingerprint, ct);
        if (config is null || CurrentMethod(config, row.AuthMapIndex, row.AuthMapKey) is null)
        {
            return Error.Conflict("The config's credentials changed while you were at the provider, so its tokens were not stored. Start the verification again.");
        }

        var now = time.NowMs();
        StoreTokens(config, row.AuthMapKey, tokens, refreshTokenBefore: null);
        config.Entity.RecordVerification(now, true, null); // CONNECTED, proven now
        config.Entity.ModifiedAt = now;
        config.Entity.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, now, "config.oauth.connect", config.Target));
        Notifications.NotificationEvents.StageOAuth(db, Notifications.NotificationEvents.OAuthConnected, config.Entity, actor.AuditName, now);
        await db.SaveChangesAsync(ct);
        return true;
    }

    private async Task AuditAsync(PortalDbContext db, Actor actor, OAuthState row, string outcome, CancellationToken ct)
    {
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "config.oauth.connect", LoadedConfig.ConfigTarget(row.IntegrationId, row.ConfigId), outcome));
        await db.SaveChangesAsync(ct);
    }
}
