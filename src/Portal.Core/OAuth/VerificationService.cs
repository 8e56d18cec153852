using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.OAuth;

/// <summary>Seed 000 <c>:verifyAuth</c> (stored credentials) and seed 001 <c>:verifyConfig</c> (candidate credentials).</summary>
public sealed class VerificationService(
    IDbContextFactory<PortalDbContext> dbFactory,
    IntegrationService integrations,
    CredentialProtector protector,
    CredentialTester tester,
    OAuthService oauth)
{
    public async Task<Result<VerificationResult>> VerifyAuthAsync(Actor actor, string integrationId, Guid configId, int? authMapIndex, OAuthStartContext start, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var definition = await integrations.LoadDefinitionAsync(db, actor.TenantId, integrationId, ct);
        if (definition is null)
        {
            return IntegrationService.NotFound(integrationId);
        }

        var config = await db.Configs.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == actor.TenantId && c.IntegrationId == integrationId && c.Id == configId, ct);
        if (config is null)
        {
            return Error.NotFound($"Config '{configId}' was not found for integration '{integrationId}'.");
        }

        if (!actor.IsAdmin)
        {
            return Error.Forbidden("Verifying credentials calls the integration with them: only an Admin can do that.");
        }

        var content = PortalJson.Deserialize<ConfigContent>(config.ContentJson);
        var bag = protector.UnprotectBag(config.CredentialsProtected);
        if (content.AuthMap is { Count: > 0 } map)
        {
            if (authMapIndex is { } i && (i < 0 || i >= map.Count))
            {
                return Error.BadRequest($"authMapIndex {i} is out of range: this config's authMap has {map.Count} entries (0 to {map.Count - 1}).");
            }

            var results = new List<AuthMapVerification>();
            foreach (var index in authMapIndex is { } only ? [only] : Enumerable.Range(0, map.Count))
            {
                var entry = map[index];
                var (ok, error, url) = await VerifyOneAsync(actor, definition, configId, entry.Auth, bag.GetValueOrDefault(ConfigRules.AuthMapSection(entry.Key)), index, entry.Key, start, ct);
                results.Add(new AuthMapVerification(index, entry.Key, ok, error, url));
            }

            var failed = results.Count(r => !r.Success && r.AuthorizationUrl is null);
            return new VerificationResult
            {
                Success = results.All(r => r.Success),
                Error = failed == 0 ? null : results.Count == 1 ? results[0].Error : $"{failed} of {results.Count} authMap entries failed verification.",
                AuthorizationUrl = results.Count == 1 ? results[0].AuthorizationUrl : null,
                AuthMapResults = results,
            };
        }

        if (content.Auth is null)
        {
            return Error.BadRequest("This config has neither auth nor authMap configured: there is nothing to verify.");
        }

        if (authMapIndex is not null)
        {
            return Error.BadRequest("authMapIndex applies only to a config with an authMap; this config uses auth.");
        }

        var (success, message, authorizationUrl) = await VerifyOneAsync(actor, definition, configId, content.Auth, bag.GetValueOrDefault(ConfigRules.AuthSection), null, null, start, ct);
        return new VerificationResult { Success = success, Error = message, AuthorizationUrl = authorizationUrl };
    }

    /// <summary>Tests candidate credentials before they are saved; only for auth methods with <c>configTestSupported</c>.</summary>
    public async Task<Result<VerificationResult>> VerifyConfigAsync(Actor actor, string integrationId, VerifyConfigInput input, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var definition = await integrations.LoadDefinitionAsync(db, actor.TenantId, integrationId, ct);
        if (definition is null)
        {
            return IntegrationService.NotFound(integrationId);
        }

        if (!actor.IsAdmin)
        {
            return Error.Forbidden("Verifying credentials calls the integration with them: only an Admin can do that.");
        }

        if (input.Auth?.AuthMetadataId is not { Length: > 0 } id)
        {
            return Error.Validation("auth.authMetadataId", "auth.authMetadataId is required: the auth method whose credentials to test.");
        }

        var method = definition.Metadata.AuthMetadata.FirstOrDefault(a => a.Id == id);
        if (method is null)
        {
            return Error.Validation("auth.authMetadataId", $"Unknown auth method '{id}'.");
        }

        if (!method.ConfigTestSupported)
        {
            return Error.BadRequest($"The auth method '{id}' does not support testing credentials before saving (configTestSupported is false); save the config and use :verifyAuth.");
        }

        if (method.Type == AuthType.OAuth2)
        {
            return Error.BadRequest("OAuth2 credentials are proven by authorizing a saved config: save it and use :verifyAuth.");
        }

        var values = (input.Auth.Parameters ?? []).Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value.AsText()!, StringComparer.Ordinal);
        var (success, error) = await tester.TestAsync(new CredentialSet(method, values), ct);
        return new VerificationResult { Success = success, Error = error };
    }

    private async Task<(bool Success, string? Error, string? AuthorizationUrl)> VerifyOneAsync(
        Actor actor, IntegrationDefinition definition, Guid configId, StoredAuth auth, Dictionary<string, string>? secrets, int? index, string? key, OAuthStartContext start, CancellationToken ct)
    {
        var method = definition.Metadata.AuthMetadata.FirstOrDefault(a => a.Id == auth.AuthMetadataId);
        if (method is null)
        {
            return (false, $"The auth method '{auth.AuthMetadataId}' no longer exists on this integration.", null);
        }

        if (method.Type == AuthType.OAuth2)
        {
            var (url, error) = await oauth.StartAsync(actor, definition, configId, method, index, key, start, ct);
            return (false, error, url);
        }

        var values = auth.Parameters.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value.AsText()!, StringComparer.Ordinal);
        foreach (var (name, value) in secrets ?? [])
        {
            values[name] = value;
        }

        var (ok, message) = await tester.TestAsync(new CredentialSet(method, values), ct);
        return (ok, message, null);
    }
}
