using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;

namespace Portal.Core.Configs;

/// <summary>Seed 000: configs of an integration, their drafts, revisions, publish and rollback.</summary>
public sealed class ConfigService(IDbContextFactory<PortalDbContext> dbFactory, IntegrationService integrations, CredentialProtector protector, KeyEngine keys, Refusals refusals, TimeProvider time)
{
    private const string ParametersSection = ConfigRules.ParametersSection;
    private const string AuthSection = ConfigRules.AuthSection;
    private const string Resource = "config";

    public async Task<Result<ConfigView>> CreateAsync(Actor actor, string integrationId, ConfigInput input, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var definition = await integrations.LoadDefinitionAsync(db, actor.TenantId, integrationId, ct);
        if (definition is null)
        {
            return IntegrationService.NotFound(integrationId);
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "config.create", $"integrations/{integrationId}/configs", db, ct);
        }

        var content = new ConfigContent();
        var credentials = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(input.DisplayName))
        {
            errors.Add("displayName", "displayName is required.");
        }

        ConfigRules.Apply(definition.Metadata, content, credentials, input, errors);
        await CheckSigningSecretAsync(db, actor, input, errors, ct);
        if (errors.Any)
        {
            return errors.ToError();
        }

        var now = time.NowMs();
        var entity = new Config
        {
            Id = Guid.CreateVersion7(),
            TenantId = actor.TenantId,
            IntegrationId = integrationId,
            DisplayName = content.DisplayName,
            ContentJson = PortalJson.Serialize(content),
            CredentialsProtected = protector.ProtectBag(credentials),
            CreatedAt = now,
            ModifiedAt = now,
            Version = Guid.NewGuid(),
        };
        db.Configs.Add(entity);
        db.AuditEvents.Add(AuditEvent.Of(actor, now, "config.create", Target(entity)));
        await db.SaveChangesAsync(ct);
        return ToView(entity, definition.Metadata);
    }

    public async Task<Result<Page<ConfigView>>> ListAsync(Actor actor, string integrationId, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var definition = await integrations.LoadDefinitionAsync(db, actor.TenantId, integrationId, ct);
        if (definition is null)
        {
            return IntegrationService.NotFound(integrationId);
        }

        var q = db.Configs.AsNoTracking().Where(c => c.TenantId == actor.TenantId && c.IntegrationId == integrationId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        var views = new List<ConfigView>(rows.Count);
        foreach (var row in rows)
        {
            views.Add(ToView(row, definition.Metadata, await WebhookKeyPrefixAsync(db, row, ct)));
        }

        return new Page<ConfigView>(views, total);
    }

    public async Task<Result<ConfigView>> GetAsync(Actor actor, string integrationId, Guid configId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (definition, entity, error) = await LoadAsync(db, actor, integrationId, configId, ct);
        return error ?? (Result<ConfigView>)ToView(entity!, definition!.Metadata, await WebhookKeyPrefixAsync(db, entity!, ct));
    }

    /// <summary>Merges <paramref name="input"/> into the draft. Without <paramref name="precondition"/> the last writer wins (a concurrent internal write is retried); with one, a changed config is a <see cref="ErrorKind.PreconditionFailed"/>.</summary>
    public Task<Result<ConfigView>> UpdateAsync(Actor actor, string integrationId, Guid configId, ConfigInput input, Precondition? precondition = null, CancellationToken ct = default) =>
        ConcurrencyRetry.RunAsync(dbFactory, db => UpdateOnceAsync(db, actor, integrationId, configId, input, precondition, ct), Resource, ct);

    private async Task<Result<ConfigView>> UpdateOnceAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, ConfigInput input, Precondition? precondition, CancellationToken ct)
    {
        var (definition, entity, error) = await LoadForChangeAsync(db, actor, "config.update", integrationId, configId, ct);
        if ((error ?? Precondition.Check(precondition, entity!.Version, Resource)) is { } refused)
        {
            return refused;
        }

        var content = PortalJson.Deserialize<ConfigContent>(entity!.ContentJson);
        var credentials = protector.UnprotectBag(entity.CredentialsProtected);
        var authBefore = PortalJson.Serialize(new { content.Auth, content.AuthMap });
        var errors = new ValidationErrors();
        ConfigRules.Apply(definition!.Metadata, content, credentials, input, errors);
        await CheckSigningSecretAsync(db, actor, input, errors, ct);
        if (errors.Any)
        {
            return errors.ToError();
        }

        if (authBefore != PortalJson.Serialize(new { content.Auth, content.AuthMap }) || input.Auth is not null || input.AuthMap is not null)
        {
            entity.ResetConnection(); // new credentials have not been proven yet
            credentials.Keys.Where(IsOAuthSection).ToList().ForEach(k => credentials.Remove(k));
        }

        entity.DisplayName = content.DisplayName;
        entity.ContentJson = PortalJson.Serialize(content);
        entity.CredentialsProtected = protector.ProtectBag(credentials);
        entity.ModifiedAt = time.NowMs();
        entity.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, entity.ModifiedAt, "config.update", Target(entity)));
        return await SaveAsync(db, entity, definition.Metadata, ct);
    }

    public Task<Result<bool>> DeleteAsync(Actor actor, string integrationId, Guid configId, Precondition? precondition = null, CancellationToken ct = default) =>
        ConcurrencyRetry.RunAsync(dbFactory, db => DeleteOnceAsync(db, actor, integrationId, configId, precondition, ct), Resource, ct);

    private async Task<Result<bool>> DeleteOnceAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, Precondition? precondition, CancellationToken ct)
    {
        var (_, entity, error) = await LoadForChangeAsync(db, actor, "config.delete", integrationId, configId, ct);
        if ((error ?? Precondition.Check(precondition, entity!.Version, Resource)) is { } refused)
        {
            return refused;
        }

        // The config's webhook URLs (its own and its bindings') stop working with it, in the same transaction.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ConfigRemoval.RemoveAsync(db, keys, actor, entity!, ct);
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "config.delete", Target(entity!)));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Snapshots the draft as a new immutable revision and points <c>publishedRevisionId</c> at it.</summary>
    public Task<Result<ConfigView>> PublishAsync(Actor actor, string integrationId, Guid configId, CancellationToken ct = default) =>
        ConcurrencyRetry.RunAsync(dbFactory, db => PublishOnceAsync(db, actor, integrationId, configId, ct), Resource, ct);

    private async Task<Result<ConfigView>> PublishOnceAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, CancellationToken ct)
    {
        var (definition, entity, error) = await LoadForChangeAsync(db, actor, "config.publish", integrationId, configId, ct);
        if (error is not null)
        {
            return error;
        }

        // The integration's metadata may have changed since the draft was saved: publish only what is valid now.
        var content = PortalJson.Deserialize<ConfigContent>(entity!.ContentJson);
        var credentials = protector.UnprotectBag(entity.CredentialsProtected);
        var errors = new ValidationErrors();
        ConfigRules.Apply(definition!.Metadata, content, credentials, new ConfigInput(), errors);
        if (errors.Any)
        {
            return Error.Validation(errors.ToError().Errors!, "The draft no longer satisfies the integration's metadata; fix it before publishing.");
        }

        var number = 1 + (await db.ConfigRevisions.Where(r => r.TenantId == actor.TenantId && r.ConfigId == configId).MaxAsync(r => (int?)r.Number, ct) ?? 0);
        var now = time.NowMs();
        var revision = new ConfigRevision
        {
            Id = Guid.CreateVersion7(),
            TenantId = actor.TenantId,
            ConfigId = configId,
            Number = number,
            ContentJson = entity.ContentJson,
            CredentialsProtected = entity.CredentialsProtected,
            CreatedAt = now,
            CreatedBy = actor.AuditName,
        };
        db.ConfigRevisions.Add(revision);
        entity.PublishedRevisionId = revision.Id;
        entity.ModifiedAt = now;
        entity.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, now, "config.publish", $"{Target(entity)}/revisions/{revision.Id}"));
        return await SaveAsync(db, entity, definition.Metadata, ct);
    }

    public async Task<Result<Page<RevisionSummary>>> ListRevisionsAsync(Actor actor, string integrationId, Guid configId, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (_, entity, error) = await LoadAsync(db, actor, integrationId, configId, ct);
        if (error is not null)
        {
            return error;
        }

        var q = db.ConfigRevisions.AsNoTracking().Where(r => r.TenantId == actor.TenantId && r.ConfigId == configId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(r => r.Number).Skip(paging.Skip).Take(paging.Take)
            .Select(r => new { r.Id, r.Number, r.CreatedAt, r.CreatedBy }).ToListAsync(ct);
        return new Page<RevisionSummary>(rows.Select(r => new RevisionSummary(r.Id, r.Number, r.CreatedAt, r.CreatedBy, r.Id == entity!.PublishedRevisionId)).ToList(), total);
    }

    public async Task<Result<RevisionView>> GetRevisionAsync(Actor actor, string integrationId, Guid configId, Guid revisionId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (definition, entity, error) = await LoadAsync(db, actor, integrationId, configId, ct);
        if (error is not null)
        {
            return error;
        }

        var revision = await FindRevisionAsync(db, actor, configId, revisionId, ct);
        if (revision is null)
        {
            return Error.NotFound($"Revision '{revisionId}' was not found for this config.");
        }

        var content = PortalJson.Deserialize<ConfigContent>(revision.ContentJson);
        var credentials = protector.UnprotectBag(revision.CredentialsProtected);
        return new RevisionView
        {
            Id = revision.Id,
            ConfigId = configId,
            Number = revision.Number,
            CreatedAt = revision.CreatedAt,
            CreatedBy = revision.CreatedBy,
            Published = revision.Id == entity!.PublishedRevisionId,
            DisplayName = content.DisplayName,
            Description = content.Description,
            Parameters = content.Parameters,
            SecretParameters = ConfigRules.SecretStates(definition!.Metadata.ParametersMetadata, credentials.GetValueOrDefault(ParametersSection)),
            Auth = ConfigRules.ToAuthView(definition.Metadata, content.Auth, credentials.GetValueOrDefault(AuthSection)),
            AuthMap = ConfigRules.ToAuthMapView(definition.Metadata, content.AuthMap, credentials),
            SigningSecretName = content.SigningSecretName,
        };
    }

    /// <summary>Points <c>publishedRevisionId</c> back at an earlier revision and resets the draft to it, so draft and live agree.</summary>
    public Task<Result<ConfigView>> RollbackAsync(Actor actor, string integrationId, Guid configId, Guid revisionId, CancellationToken ct = default) =>
        ConcurrencyRetry.RunAsync(dbFactory, db => RollbackOnceAsync(db, actor, integrationId, configId, revisionId, ct), Resource, ct);

    private async Task<Result<ConfigView>> RollbackOnceAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, Guid revisionId, CancellationToken ct)
    {
        var (definition, entity, error) = await LoadForChangeAsync(db, actor, "config.rollback", integrationId, configId, ct);
        if (error is not null)
        {
            return error;
        }

        var revision = await FindRevisionAsync(db, actor, configId, revisionId, ct);
        if (revision is null)
        {
            return Error.Validation("revisionId", $"Revision '{revisionId}' is not a revision of this config.");
        }

        var authBefore = AuthFingerprint(entity!.ContentJson, entity.CredentialsProtected);
        entity.ContentJson = revision.ContentJson;
        entity.CredentialsProtected = revision.CredentialsProtected;
        if (AuthFingerprint(revision.ContentJson, revision.CredentialsProtected) != authBefore)
        {
            // The revision's credentials differ from the draft's: they have not been proven, and the draft's OAuth tokens do not apply.
            entity.ResetConnection();
            var credentials = protector.UnprotectBag(entity.CredentialsProtected);
            credentials.Keys.Where(IsOAuthSection).ToList().ForEach(k => credentials.Remove(k));
            entity.CredentialsProtected = protector.ProtectBag(credentials);
        }

        entity.DisplayName = PortalJson.Deserialize<ConfigContent>(revision.ContentJson).DisplayName;
        entity.PublishedRevisionId = revision.Id;
        entity.ModifiedAt = time.NowMs();
        entity.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, entity.ModifiedAt, "config.rollback", $"{Target(entity)}/revisions/{revision.Id}"));
        return await SaveAsync(db, entity, definition!.Metadata, ct);
    }

    /// <summary>A config that names a signing secret must name one of its tenant's: refused at write, not discovered when a webhook arrives.</summary>
    private static async Task CheckSigningSecretAsync(PortalDbContext db, Actor actor, ConfigInput input, ValidationErrors errors, CancellationToken ct)
    {
        var name = input.SigningSecretName;
        if (string.IsNullOrEmpty(name) || !ConfigRules.IsRecordKey(name))
        {
            return; // not changed, cleared, or already refused for its syntax
        }

        if (!await db.SigningSecrets.AnyAsync(s => s.TenantId == actor.TenantId && s.Name == name, ct))
        {
            errors.Add("signingSecretName", $"No signing secret named '{name}' exists in this tenant: create the signing secret first, then name it here.");
        }
    }

    /// <summary>Like <see cref="LoadAsync"/>, for a change: a Viewer is refused once the config is known to exist (404 first, so existence does not leak).</summary>
    private async Task<(IntegrationDefinition? Definition, Config? Entity, Error? Error)> LoadForChangeAsync(PortalDbContext db, Actor actor, string operation, string integrationId, Guid configId, CancellationToken ct)
    {
        var loaded = await LoadAsync(db, actor, integrationId, configId, ct);
        return loaded.Error is null && !actor.IsAdmin ? (null, null, await refusals.ForbiddenAsync(actor, operation, Target(loaded.Entity!), db, ct)) : loaded;
    }

    private async Task<(IntegrationDefinition? Definition, Config? Entity, Error? Error)> LoadAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, CancellationToken ct)
    {
        var definition = await integrations.LoadDefinitionAsync(db, actor.TenantId, integrationId, ct);
        if (definition is null)
        {
            return (null, null, IntegrationService.NotFound(integrationId));
        }

        var entity = await db.Configs.FirstOrDefaultAsync(c => c.TenantId == actor.TenantId && c.IntegrationId == integrationId && c.Id == configId, ct);
        return entity is null
            ? (definition, null, Error.NotFound($"Config '{configId}' was not found for integration '{integrationId}'."))
            : (definition, entity, null);
    }

    /// <summary>Saves; a concurrent write to the row throws <see cref="DbUpdateConcurrencyException"/>, which <see cref="ConcurrencyRetry"/> retries.</summary>
    private async Task<Result<ConfigView>> SaveAsync(PortalDbContext db, Config entity, ConfigMetadata metadata, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        return ToView(entity, metadata, await WebhookKeyPrefixAsync(db, entity, ct));
    }

    /// <summary>The prefix of the config's active webhook key: safe to show, never the key.</summary>
    private static async Task<string?> WebhookKeyPrefixAsync(PortalDbContext db, Config entity, CancellationToken ct) =>
        (await KeyEngine.ActiveAsync(db, entity.TenantId, KeyOwner.ForConfig(entity.Id), ct))?.KeyPrefix;

    private ConfigView ToView(Config entity, ConfigMetadata metadata, string? webhookKeyPrefix = null)
    {
        var content = PortalJson.Deserialize<ConfigContent>(entity.ContentJson);
        var credentials = protector.UnprotectBag(entity.CredentialsProtected);
        return new ConfigView
        {
            Id = entity.Id,
            IntegrationId = entity.IntegrationId,
            DisplayName = content.DisplayName,
            Description = content.Description,
            Parameters = content.Parameters,
            SecretParameters = ConfigRules.SecretStates(metadata.ParametersMetadata, credentials.GetValueOrDefault(ParametersSection)),
            Auth = ConfigRules.ToAuthView(metadata, content.Auth, credentials.GetValueOrDefault(AuthSection)),
            AuthMap = ConfigRules.ToAuthMapView(metadata, content.AuthMap, credentials),
            AuthStatus = entity.AuthStatus,
            WebhookKeyPrefix = webhookKeyPrefix,
            OauthScopes = entity.OAuthScopes?.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            OauthExpiresAt = entity.OAuthExpiresAt,
            LastVerifiedAt = entity.LastVerifiedAt,
            LastVerification = entity.LastVerification,
            SigningSecretName = content.SigningSecretName,
            PublishedRevisionId = entity.PublishedRevisionId,
            CreatedAt = entity.CreatedAt,
            ModifiedAt = entity.ModifiedAt,
            Version = entity.Version,
        };
    }

    private static bool IsOAuthSection(string section) => section == "oauth" || section.StartsWith("oauth:", StringComparison.Ordinal);

    /// <summary>The auth choice and its credential values (not OAuth tokens, not parameters): equal fingerprints are the same credentials.</summary>
    private string AuthFingerprint(string contentJson, string? credentialsProtected)
    {
        var content = PortalJson.Deserialize<ConfigContent>(contentJson);
        var bag = protector.UnprotectBag(credentialsProtected);
        var sections = bag.Where(b => b.Key == AuthSection || b.Key.StartsWith("authMap:", StringComparison.Ordinal))
            .OrderBy(b => b.Key, StringComparer.Ordinal)
            .Select(b => new { b.Key, Values = b.Value.OrderBy(v => v.Key, StringComparer.Ordinal).ToList() });
        var json = PortalJson.Serialize(new { content.Auth, content.AuthMap, sections });
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    private static Task<ConfigRevision?> FindRevisionAsync(PortalDbContext db, Actor actor, Guid configId, Guid revisionId, CancellationToken ct) =>
        db.ConfigRevisions.AsNoTracking().FirstOrDefaultAsync(r => r.TenantId == actor.TenantId && r.ConfigId == configId && r.Id == revisionId, ct);

    private static string Target(Config c) => $"integrations/{c.IntegrationId}/configs/{c.Id}";
}
