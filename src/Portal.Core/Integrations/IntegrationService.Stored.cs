using System.Text.Json.Nodes;
using Portal.Core.Common;

namespace Portal.Core.Integrations;

/// <summary>
/// How an integration is stored and shown: the input applied to the row (credentials taken out of the metadata and
/// kept encrypted apart), and the row as a view (which credentials are set, never their values).
/// </summary>
public sealed partial class IntegrationService
{
    private static IntegrationInput Copy(IntegrationInput input, string displayName) => new()
    {
        Id = input.Id,
        DisplayName = displayName,
        Description = input.Description,
        Type = input.Type,
        ConfigMetadata = input.ConfigMetadata,
        Tags = input.Tags,
        IsInternal = input.IsInternal,
        WebhookOwnership = input.WebhookOwnership,
        Tools = input.Tools,
    };

    private void Apply(Integration entity, IntegrationInput input, bool merge)
    {
        entity.DisplayName = input.DisplayName ?? entity.DisplayName;
        if (!merge || input.Description is not null)
        {
            entity.Description = input.Description;
        }

        if (!merge || input.Type is not null)
        {
            entity.Type = input.Type ?? IntegrationType.Custom;
        }

        if (!merge || input.IsInternal is not null)
        {
            entity.IsInternal = input.IsInternal ?? false;
        }

        if (!merge || input.WebhookOwnership is not null)
        {
            entity.WebhookOwnership = input.WebhookOwnership ?? WebhookOwnership.Config;
        }

        if (!merge || input.Tags is not null)
        {
            var tags = (input.Tags ?? []).Distinct(StringComparer.Ordinal).ToList();
            entity.Tags = "|" + string.Concat(tags.Select(t => t + "|"));
        }

        if (!merge || input.ConfigMetadata is not null)
        {
            // A copy: the credentials are taken out of it, and a retried attempt must still see them in the input.
            var metadata = input.ConfigMetadata is null ? new ConfigMetadata() : PortalJson.Deserialize<ConfigMetadata>(PortalJson.Serialize(input.ConfigMetadata));
            var credentials = SplitCredentials(metadata, protector.UnprotectBag(entity.CredentialsProtected));
            entity.CredentialsProtected = protector.ProtectBag(credentials);
            entity.MetadataJson = PortalJson.Serialize(metadata);
        }

        if (!merge || input.Tools is not null)
        {
            entity.ToolsJson = PortalJson.Serialize(input.Tools ?? []);
        }

        var tagText = entity.Tags.Replace('|', ' ');
        entity.SearchText = $"{entity.Id} {entity.DisplayName} {entity.Description} {tagText}".ToLowerInvariant();
    }

    /// <summary>Makes the integration's tag rows (the index of the tag filter) the tags of <paramref name="entity"/>, in the same unit of work.</summary>
    private static async Task SyncTagsAsync(Data.PortalDbContext db, Integration entity, CancellationToken ct)
    {
        var wanted = entity.Tags.Split('|', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var stored = db.Entry(entity).State == Microsoft.EntityFrameworkCore.EntityState.Added
            ? []
            : await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
                db.Set<IntegrationTag>().Where(t => t.TenantId == entity.TenantId && t.IntegrationId == entity.Id), ct);
        db.Set<IntegrationTag>().RemoveRange(stored.Where(t => !wanted.Contains(t.Tag)));
        foreach (var tag in wanted.Where(w => !stored.Any(t => t.Tag == w)))
        {
            db.Set<IntegrationTag>().Add(new IntegrationTag { TenantId = entity.TenantId, Tag = tag, IntegrationId = entity.Id });
        }
    }

    /// <summary>Takes credential values out of the metadata (which is stored as plain JSON) and merges them into the stored ones.</summary>
    private static Dictionary<string, Dictionary<string, string>> SplitCredentials(ConfigMetadata metadata, Dictionary<string, Dictionary<string, string>> stored)
    {
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var auth in metadata.AuthMetadata)
        {
            var kept = stored.GetValueOrDefault(auth.Id) ?? new Dictionary<string, string>(StringComparer.Ordinal);
            var parameters = auth.AuthSettings.Parameters;
            foreach (var key in parameters.Keys.Where(k => IntegrationRules.IsCredentialSetting(auth, k)).ToList())
            {
                var value = parameters[key];
                parameters.Remove(key);
                if (value is null)
                {
                    kept.Remove(key);
                }
                else
                {
                    kept[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
                }
            }

            auth.AuthSettings.SecretParameters = null;
            result[auth.Id] = kept;
        }

        return result;
    }

    private IntegrationView ToView(Integration entity)
    {
        var metadata = PortalJson.Deserialize<ConfigMetadata>(entity.MetadataJson);
        var credentials = protector.UnprotectBag(entity.CredentialsProtected);
        foreach (var auth in metadata.AuthMetadata)
        {
            var set = new HashSet<string>((credentials.GetValueOrDefault(auth.Id) ?? []).Keys, StringComparer.Ordinal);

            // A row written before a name counted as a credential may hold it in plain JSON: it is still never returned.
            foreach (var key in auth.AuthSettings.Parameters.Keys.Where(k => IntegrationRules.IsCredentialSetting(auth, k)).ToList())
            {
                if (auth.AuthSettings.Parameters.Remove(key, out var legacy) && legacy is not null)
                {
                    set.Add(key);
                }
            }

            // OAUTH2 always needs a client secret, so say whether it is set; other credentials appear once stored.
            var names = (auth.Type == AuthType.OAuth2 && !set.Any(n => IntegrationRules.SameCredentialName(n, "clientSecret")) ? ["clientSecret"] : Array.Empty<string>())
                .Concat(set)
                .Distinct(StringComparer.Ordinal);
            auth.AuthSettings.SecretParameters = names.ToDictionary(n => n, n => new SecretState(set.Contains(n)), StringComparer.Ordinal);
        }

        return new IntegrationView
        {
            Id = entity.Id,
            DisplayName = entity.DisplayName,
            Description = entity.Description,
            Type = entity.Type,
            ConfigMetadata = metadata,
            Tags = entity.Tags.Split('|', StringSplitOptions.RemoveEmptyEntries),
            IsInternal = entity.IsInternal,
            WebhookOwnership = entity.WebhookOwnership,
            Tools = ToolsOf(entity),
            CreatedAt = entity.CreatedAt,
            ModifiedAt = entity.ModifiedAt,
            Version = entity.Version,
        };
    }
}
