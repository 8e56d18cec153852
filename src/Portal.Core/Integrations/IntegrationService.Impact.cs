using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Tenancy;

namespace Portal.Core.Integrations;

/// <summary>A config that an integration edit would break, and how.</summary>
public sealed record AffectedConfig(Guid Id, string DisplayName, IReadOnlyList<string> Changes);

/// <summary>What an edit of an integration does to its configs: those that use a parameter or auth method it removes or retypes.</summary>
public sealed record IntegrationImpact(IReadOnlyList<AffectedConfig> Affected);

/// <summary>
/// The impact check: before a replace (PUT body), which configs use a parameter or an auth method that the edit removes
/// or changes the type of. A config uses what its draft or its published revision holds a value for (secret values
/// included: only their names are read).
/// </summary>
public sealed partial class IntegrationService
{
    public async Task<Result<IntegrationImpact>> ImpactAsync(Actor actor, string id, IntegrationInput input, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entity = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.TenantId == actor.TenantId && i.Id == id, ct);
        if (entity is null)
        {
            return NotFound(id);
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "integration.impact", $"integrations/{id}", ct: ct);
        }

        if (input.Id is not null && input.Id != id)
        {
            return Error.Validation("id", "The id of an integration cannot change.");
        }

        var errors = new ValidationErrors();
        IntegrationRules.Check(input, creating: false, errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        var before = PortalJson.Deserialize<ConfigMetadata>(entity.MetadataJson);
        var after = input.ConfigMetadata ?? new ConfigMetadata();
        var configs = await db.Configs.AsNoTracking().Where(c => c.TenantId == actor.TenantId && c.IntegrationId == id)
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync(ct);
        var published = configs.Where(c => c.PublishedRevisionId is not null).Select(c => c.PublishedRevisionId!.Value).ToList();
        var revisions = published.Count == 0
            ? []
            : await db.ConfigRevisions.AsNoTracking().Where(r => r.TenantId == actor.TenantId && published.Contains(r.Id)).ToListAsync(ct);

        var affected = new List<AffectedConfig>();
        foreach (var config in configs)
        {
            var uses = new ConfigUses();
            uses.Add(PortalJson.Deserialize<ConfigContent>(config.ContentJson), protector.UnprotectBag(config.CredentialsProtected));
            if (revisions.FirstOrDefault(r => r.Id == config.PublishedRevisionId) is { } revision)
            {
                uses.Add(PortalJson.Deserialize<ConfigContent>(revision.ContentJson), protector.UnprotectBag(revision.CredentialsProtected));
            }

            var changes = Changes(before, after, uses);
            if (changes.Count > 0)
            {
                affected.Add(new AffectedConfig(config.Id, PortalJson.Deserialize<ConfigContent>(config.ContentJson).DisplayName, changes));
            }
        }

        return new IntegrationImpact(affected);
    }

    /// <summary>Names of what a config holds values for: parameters, and per auth method the auth parameters.</summary>
    private sealed class ConfigUses
    {
        public HashSet<string> Parameters { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, HashSet<string>> AuthMethods { get; } = new(StringComparer.Ordinal);

        public void Add(ConfigContent content, Dictionary<string, Dictionary<string, string>> credentials)
        {
            Parameters.UnionWith(content.Parameters.Keys);
            Parameters.UnionWith(credentials.GetValueOrDefault(ConfigRules.ParametersSection)?.Keys ?? Enumerable.Empty<string>());
            if (content.Auth is { } auth)
            {
                AddAuth(auth, credentials.GetValueOrDefault(ConfigRules.AuthSection));
            }

            foreach (var entry in content.AuthMap ?? [])
            {
                AddAuth(entry.Auth, credentials.GetValueOrDefault(ConfigRules.AuthMapSection(entry.Key)));
            }
        }

        private void AddAuth(StoredAuth auth, Dictionary<string, string>? secrets)
        {
            if (!AuthMethods.TryGetValue(auth.AuthMetadataId, out var names))
            {
                AuthMethods[auth.AuthMetadataId] = names = new(StringComparer.Ordinal);
            }

            names.UnionWith(auth.Parameters.Keys);
            names.UnionWith(secrets?.Keys ?? Enumerable.Empty<string>());
        }
    }

    private static List<string> Changes(ConfigMetadata before, ConfigMetadata after, ConfigUses uses)
    {
        var changes = new List<string>();
        ParameterChanges(before.ParametersMetadata, after.ParametersMetadata, uses.Parameters, "Parameter", changes);
        foreach (var (methodId, names) in uses.AuthMethods.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var old = before.AuthMetadata.FirstOrDefault(a => a?.Id == methodId);
            var now = after.AuthMetadata.FirstOrDefault(a => a?.Id == methodId);
            if (old is null)
            {
                continue; // it was already missing: not this edit's doing
            }

            if (now is null)
            {
                changes.Add($"Auth method '{Name(old.DisplayName, methodId)}' is removed.");
            }
            else if (now.Type != old.Type)
            {
                changes.Add($"Auth method '{Name(old.DisplayName, methodId)}' changes type from {AuthTypeName(old.Type)} to {AuthTypeName(now.Type)}.");
            }
            else
            {
                ParameterChanges(old.ParametersMetadata.Concat(old.AuthMap.ParametersMetadata).ToList(), now.ParametersMetadata.Concat(now.AuthMap.ParametersMetadata).ToList(),
                    names, $"Auth method '{Name(old.DisplayName, methodId)}': parameter", changes);
            }
        }

        return changes;
    }

    private static void ParameterChanges(List<ParameterMetadata> before, List<ParameterMetadata> after, HashSet<string> used, string what, List<string> changes)
    {
        foreach (var old in before.Where(p => p is not null && used.Contains(p.Name)))
        {
            var now = after.FirstOrDefault(p => p?.Name == old.Name);
            if (now is null)
            {
                changes.Add($"{what} '{Name(old.DisplayName, old.Name)}' is removed.");
            }
            else if (now.Type != old.Type)
            {
                changes.Add($"{what} '{Name(old.DisplayName, old.Name)}' changes type from {old.Type} to {now.Type}.");
            }
        }
    }

    private static string Name(string? displayName, string id) =>
        string.IsNullOrWhiteSpace(displayName) || displayName == id ? id : $"{displayName} ({id})";

    private static string AuthTypeName(AuthType type) => type switch
    {
        AuthType.ApiKey => "API key",
        AuthType.BearerToken => "Bearer token",
        AuthType.Basic => "Basic",
        AuthType.OAuth2 => "OAuth 2",
        AuthType.None => "None",
        _ => "Unspecified",
    };
}
