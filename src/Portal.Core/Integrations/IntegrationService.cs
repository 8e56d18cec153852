using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Integrations;

/// <summary>Seed 001: create, list, get, update and delete integrations of a tenant.</summary>
public sealed class IntegrationService(IDbContextFactory<PortalDbContext> dbFactory, CredentialProtector protector, KeyEngine keys, Refusals refusals, TimeProvider time)
{
    public async Task<Result<IntegrationView>> CreateAsync(Actor actor, IntegrationInput input, CancellationToken ct = default)
    {
        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "integration.create", "integrations", ct: ct);
        }

        var errors = new ValidationErrors();
        IntegrationRules.Check(input, creating: true, errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Integrations.AnyAsync(i => i.TenantId == actor.TenantId && i.Id == input.Id, ct))
        {
            return Error.Conflict($"An integration with id '{input.Id}' already exists in this tenant.");
        }

        var now = time.NowMs();
        var entity = new Integration
        {
            TenantId = actor.TenantId,
            Id = input.Id!,
            DisplayName = input.DisplayName!,
            MetadataJson = "{}",
            CreatedAt = now,
            ModifiedAt = now,
            Version = Guid.NewGuid(),
        };
        Apply(entity, input, merge: false);
        db.Integrations.Add(entity);
        db.AuditEvents.Add(AuditEvent.Of(actor, now, "integration.create", $"integrations/{entity.Id}"));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Error.Conflict($"An integration with id '{input.Id}' already exists in this tenant.");
        }

        return ToView(entity);
    }

    public async Task<Page<IntegrationView>> ListAsync(Actor actor, IntegrationQuery query, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Integrations.AsNoTracking().Where(i => i.TenantId == actor.TenantId);
        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            var tag = $"|{query.Tag.Trim()}|";
            q = q.Where(i => i.Tags.Contains(tag));
        }

        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var text = query.Text.Trim().ToLowerInvariant();
            q = q.Where(i => i.SearchText.Contains(text));
        }

        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(i => i.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        return new Page<IntegrationView>(rows.Select(ToView).ToList(), total);
    }

    public async Task<Result<IntegrationView>> GetAsync(Actor actor, string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entity = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.TenantId == actor.TenantId && i.Id == id, ct);
        return entity is null ? NotFound(id) : ToView(entity);
    }

    /// <summary>PUT replaces (<paramref name="merge"/> false); PATCH merges (omitted and null fields kept). Omitted credentials are kept either way; an explicit null clears one.</summary>
    /// <remarks>Without <paramref name="precondition"/> the last writer wins (a concurrent write is retried); with one, a changed integration is a <see cref="ErrorKind.PreconditionFailed"/>.</remarks>
    public Task<Result<IntegrationView>> UpdateAsync(Actor actor, string id, IntegrationInput input, bool merge, Precondition? precondition = null, CancellationToken ct = default) =>
        ConcurrencyRetry.RunAsync(dbFactory, db => UpdateOnceAsync(db, actor, id, input, merge, precondition, ct), Resource, ct);

    private async Task<Result<IntegrationView>> UpdateOnceAsync(PortalDbContext db, Actor actor, string id, IntegrationInput input, bool merge, Precondition? precondition, CancellationToken ct)
    {
        var entity = await db.Integrations.FirstOrDefaultAsync(i => i.TenantId == actor.TenantId && i.Id == id, ct);
        if (entity is null)
        {
            return NotFound(id);
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "integration.update", $"integrations/{id}", db, ct);
        }

        if (Precondition.Check(precondition, entity.Version, Resource) is { } failed)
        {
            return failed;
        }

        if (input.Id is not null && input.Id != id)
        {
            return Error.Validation("id", "The id of an integration cannot change.");
        }

        if (merge && input.DisplayName is null)
        {
            input = Copy(input, entity.DisplayName); // not in place: a retried attempt starts from what the caller sent
        }

        var errors = new ValidationErrors();
        IntegrationRules.Check(input, creating: false, errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        Apply(entity, input, merge);
        entity.ModifiedAt = time.NowMs();
        entity.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, entity.ModifiedAt, "integration.update", $"integrations/{id}"));
        await db.SaveChangesAsync(ct);
        return ToView(entity);
    }

    public Task<Result<bool>> DeleteAsync(Actor actor, string id, Precondition? precondition = null, CancellationToken ct = default) =>
        ConcurrencyRetry.RunAsync(dbFactory, db => DeleteOnceAsync(db, actor, id, precondition, ct), Resource, ct);

    private async Task<Result<bool>> DeleteOnceAsync(PortalDbContext db, Actor actor, string id, Precondition? precondition, CancellationToken ct)
    {
        var entity = await db.Integrations.FirstOrDefaultAsync(i => i.TenantId == actor.TenantId && i.Id == id, ct);
        if (entity is null)
        {
            return NotFound(id);
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "integration.delete", $"integrations/{id}", db, ct);
        }

        if (Precondition.Check(precondition, entity.Version, Resource) is { } failed)
        {
            return failed;
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var config in await db.Configs.Where(c => c.TenantId == actor.TenantId && c.IntegrationId == id).ToListAsync(ct))
        {
            await Configs.ConfigRemoval.RemoveAsync(db, keys, actor, config, ct); // their webhook URLs die with them
        }

        db.Integrations.Remove(entity);

        // A new integration with the same id must not inherit the old one's key (seed 004).
        await keys.RevokeAllAsync(db, actor, KeyOwner.ForIntegration(id), IntegrationKeys.IntegrationKeyService.AuditTarget(id), ct);
        await keys.RevokeAllAsync(db, actor, KeyOwner.ForMcp(id), Mcp.McpSettingsService.AuditTarget(id), ct);
        await db.McpSettings.Where(m => m.TenantId == actor.TenantId && m.IntegrationId == id).ExecuteDeleteAsync(ct);
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "integration.delete", $"integrations/{id}"));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>The integration's metadata with its credentials, for Core services that act on it (configs, verification). Never for a response.</summary>
    internal async Task<IntegrationDefinition?> LoadDefinitionAsync(PortalDbContext db, string tenantId, string id, CancellationToken ct)
    {
        var entity = await db.Integrations.AsNoTracking().FirstOrDefaultAsync(i => i.TenantId == tenantId && i.Id == id, ct);
        return entity is null ? null : new IntegrationDefinition(entity.Id, PortalJson.Deserialize<ConfigMetadata>(entity.MetadataJson), entity.WebhookOwnership, protector.UnprotectBag(entity.CredentialsProtected));
    }

    /// <summary>The tools of an integration row.</summary>
    public static List<IntegrationTool> ToolsOf(Integration entity) =>
        string.IsNullOrEmpty(entity.ToolsJson) ? [] : PortalJson.Deserialize<List<IntegrationTool>>(entity.ToolsJson);

    private const string Resource = "integration";

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

    internal static Error NotFound(string id) => Error.NotFound($"Integration '{id}' was not found in this tenant.");

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

/// <summary>An integration's metadata and credentials, inside Core only.</summary>
internal sealed record IntegrationDefinition(string Id, ConfigMetadata Metadata, WebhookOwnership WebhookOwnership, Dictionary<string, Dictionary<string, string>> Credentials);
