using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.OAuth;

/// <summary>Seed 000 <c>:verifyAuth</c> (a config's stored credentials) and seed 001 <c>:verifyConfig</c> (the integration's stored credentials, or candidates).</summary>
public sealed class VerificationService(
    IDbContextFactory<PortalDbContext> dbFactory,
    IntegrationService integrations,
    CredentialProtector protector,
    CredentialTester tester,
    OAuthService oauth,
    Refusals refusals,
    TimeProvider time)
{
    private const string AdminOnly = "Verifying credentials calls the integration with them: only an Admin can do that.";
    private readonly ConfigAccess _access = new(integrations, protector, refusals);

    public async Task<Result<VerificationResult>> VerifyAuthAsync(Actor actor, string integrationId, Guid configId, int? authMapIndex, OAuthStartContext start, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: true, ct, refusal: AdminOnly, operation: "config.verify");
        if (loaded.Value is not { } target)
        {
            return loaded.Error!;
        }

        var (definition, config, content, bag) = (target.Definition, target.Entity, target.Content, target.Credentials);
        if (content.AuthMap is { Count: > 0 } map)
        {
            if (authMapIndex is { } i && (i < 0 || i >= map.Count))
            {
                return Error.BadRequest($"authMapIndex {i} is out of range: this config's authMap has {map.Count} entries (0 to {map.Count - 1}).");
            }

            var results = new List<AuthMapVerification>();
            var tested = new List<bool>();
            foreach (var index in authMapIndex is { } only ? [only] : Enumerable.Range(0, map.Count))
            {
                var entry = map[index];
                var one = await VerifyOneAsync(actor, definition, configId, entry.Auth, bag.GetValueOrDefault(ConfigRules.AuthMapSection(entry.Key)), index, entry.Key, start, ct);
                results.Add(new AuthMapVerification(index, entry.Key, one.Success, one.Error, one.AuthorizationUrl));
                tested.Add(one.Tested);
            }

            var failed = results.Count(r => !r.Success && r.AuthorizationUrl is null);
            var mapResult = new VerificationResult
            {
                Success = results.All(r => r.Success),
                Error = failed == 0 ? null : results.Count == 1 ? results[0].Error : $"{failed} of {results.Count} authMap entries failed verification.",
                AuthorizationUrl = results.Count == 1 ? results[0].AuthorizationUrl : null,
                AuthMapResults = results,
            };
            var testFailed = results.Where((r, n) => tested[n] && !r.Success).Any();
            await RecordAsync(db, actor, config, mapResult, tested.Any(t => t), testFailed, wholeConfig: results.Count == map.Count, ct);
            return mapResult;
        }

        if (content.Auth is null)
        {
            return Error.BadRequest("This config has neither auth nor authMap configured: there is nothing to verify.");
        }

        if (authMapIndex is not null)
        {
            return Error.BadRequest("authMapIndex applies only to a config with an authMap; this config uses auth.");
        }

        var single = await VerifyOneAsync(actor, definition, configId, content.Auth, bag.GetValueOrDefault(ConfigRules.AuthSection), null, null, start, ct);
        var result = new VerificationResult { Success = single.Success, Error = single.Error, AuthorizationUrl = single.AuthorizationUrl };
        await RecordAsync(db, actor, config, result, single.Tested, single.Tested && !single.Success, wholeConfig: true, ct);
        return result;
    }

    /// <summary>
    /// Seed 001: "confirm credentials still authenticate without retrieving them". Without <c>auth</c> in the body, every
    /// <c>configTestSupported</c> (non-OAuth) auth method is test-connected with the integration's stored auth settings
    /// and credentials; with <c>auth.authMetadataId</c>, only that method. Values in <c>auth.parameters</c> override the
    /// stored ones for this one test; nothing is saved.
    /// </summary>
    public async Task<Result<VerificationResult>> VerifyConfigAsync(Actor actor, string integrationId, VerifyConfigInput? input, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await _access.IntegrationAsync(db, actor, integrationId, ct);
        if (integration.Value is not { } definition)
        {
            return integration.Error!;
        }

        if (!actor.IsAdmin)
        {
            return await refusals.RecordAsync(actor, "config.verify", $"integrations/{integrationId}", Error.Forbidden(AdminOnly), db, ct: ct);
        }

        List<AuthMetadata> methods;
        if (input?.Auth?.AuthMetadataId is { Length: > 0 } id)
        {
            var method = definition.Metadata.AuthMetadata.FirstOrDefault(a => a.Id == id);
            if (method is null)
            {
                return Error.Validation("auth.authMetadataId", $"Unknown auth method '{id}'.");
            }

            if (!method.ConfigTestSupported)
            {
                return Error.BadRequest($"The auth method '{id}' does not support testing credentials before saving (configTestSupported is false); save the config and verify its auth.");
            }

            if (method.Type == AuthType.OAuth2)
            {
                return Error.BadRequest("OAuth2 credentials are proven by authorizing a saved config: save it and verify its auth.");
            }

            methods = [method];
        }
        else
        {
            methods = TestableMethods(definition.Metadata);
            if (methods.Count == 0)
            {
                return Error.BadRequest("This integration has no auth method whose stored credentials can be tested (configTestSupported, and not OAUTH2: OAuth2 is proven by authorizing a saved config).");
            }
        }

        var overrides = (input?.Auth?.Parameters ?? []).Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value.AsText()!, StringComparer.Ordinal);
        var results = new List<AuthMethodVerification>();
        foreach (var method in methods)
        {
            var (success, error) = await tester.TestAsync(new CredentialSet(method, StoredValues(definition, method, overrides)), ct);
            results.Add(new AuthMethodVerification(method.Id, success, error));
        }

        var failed = results.Count(r => !r.Success);
        return new VerificationResult
        {
            Success = failed == 0,
            Error = failed == 0 ? null : results.Count == 1 ? results[0].Error : $"{failed} of {results.Count} auth methods failed verification.",
            AuthMethodResults = results,
        };
    }

    /// <summary>The auth methods whose stored credentials <c>:verifyConfig</c> can test: <c>configTestSupported</c> and not OAUTH2 (proven per config).</summary>
    public static List<AuthMetadata> TestableMethods(ConfigMetadata metadata) =>
        metadata.AuthMetadata.Where(a => a.ConfigTestSupported && a.Type != AuthType.OAuth2).ToList();

    /// <summary>An auth method's stored values: its plain auth settings, then its decrypted credentials, then the overrides (for one test).</summary>
    private static Dictionary<string, string> StoredValues(IntegrationDefinition definition, AuthMetadata method, IReadOnlyDictionary<string, string> overrides)
    {
        var values = method.AuthSettings.Parameters.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value.AsText()!, StringComparer.Ordinal);
        foreach (var (name, value) in definition.Credentials.GetValueOrDefault(method.Id) ?? [])
        {
            values[name] = value;
        }

        foreach (var (name, value) in overrides)
        {
            // An override replaces the stored value under any spelling of its name (apiKey replaces a stored API_KEY).
            foreach (var stored in values.Keys.Where(k => k != name && IntegrationRules.IsCredentialName(name) && IntegrationRules.SameCredentialName(k, name)).ToList())
            {
                values.Remove(stored);
            }

            values[name] = value;
        }

        return values;
    }

    /// <summary>
    /// What a :verifyAuth proves goes on the config, in one SaveChanges: a test-connect that failed records the failure
    /// (NOT_CONNECTED); the whole config proven sets CONNECTED and lastVerifiedAt. An OAuth2 start proves nothing yet
    /// (the callback records it). A config changed during the test keeps its state: the result was about other credentials.
    /// </summary>
    private async Task RecordAsync(PortalDbContext db, Actor actor, Config config, VerificationResult result, bool tested, bool testFailed, bool wholeConfig, CancellationToken ct)
    {
        var now = time.NowMs();
        if (testFailed)
        {
            config.RecordVerification(now, false, result.Error ?? "The credentials were refused.");
        }
        else if (tested && result.Success && wholeConfig)
        {
            config.RecordVerification(now, true, null);
        }
        else
        {
            return;
        }

        config.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, now, "config.verify", $"integrations/{config.IntegrationId}/configs/{config.Id}", testFailed ? AuditOutcomes.Failed : AuditOutcomes.Success));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Changed (e.g. new credentials) while the test ran: the outcome belongs to the credentials it replaced.
        }
    }

    private async Task<(bool Success, string? Error, string? AuthorizationUrl, bool Tested)> VerifyOneAsync(
        Actor actor, IntegrationDefinition definition, Guid configId, StoredAuth auth, Dictionary<string, string>? secrets, int? index, string? key, OAuthStartContext start, CancellationToken ct)
    {
        var method = definition.Metadata.AuthMetadata.FirstOrDefault(a => a.Id == auth.AuthMetadataId);
        if (method is null)
        {
            return (false, $"The auth method '{auth.AuthMetadataId}' no longer exists on this integration.", null, false);
        }

        if (method.Type == AuthType.OAuth2)
        {
            var (url, error) = await oauth.StartAsync(actor, definition, configId, method, index, key, start, ct);
            return (false, error, url, false);
        }

        var values = auth.Parameters.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value.AsText()!, StringComparer.Ordinal);
        foreach (var (name, value) in secrets ?? [])
        {
            values[name] = value;
        }

        var (ok, message) = await tester.TestAsync(new CredentialSet(method, values), ct);
        return (ok, message, null, true);
    }
}
