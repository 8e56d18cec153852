using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Configs;

/// <summary>Publishing: publish the draft as a revision, list and read revisions, roll back to one.</summary>
public sealed partial class ConfigService
{
    /// <summary>Snapshots the draft as a new immutable revision and points <c>publishedRevisionId</c> at it.</summary>
    public Task<Result<ConfigView>> PublishAsync(Actor actor, string integrationId, Guid configId, CancellationToken ct = default) =>
        ConcurrencyRetry.RunAsync(dbFactory, db => PublishOnceAsync(db, actor, integrationId, configId, ct), Resource, ct);

    private async Task<Result<ConfigView>> PublishOnceAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, CancellationToken ct)
    {
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: true, ct, operation: "config.publish");
        if (loaded.Value is not { } config)
        {
            return loaded.Error!;
        }

        // The integration's metadata may have changed since the draft was saved: publish only what is valid now.
        // Applied to copies: publishing checks the draft, it does not change it.
        var content = PortalJson.Deserialize<ConfigContent>(config.Entity.ContentJson);
        var credentials = config.Credentials.ToDictionary(s => s.Key, s => new Dictionary<string, string>(s.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        var errors = new ValidationErrors();
        ConfigRules.Apply(config.Metadata, content, credentials, new ConfigInput(), errors);
        if (errors.Any)
        {
            return Error.Validation(errors.ToError().Errors!, "The draft no longer satisfies the integration's metadata; fix it before publishing.");
        }

        var entity = config.Entity;
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
        db.AuditEvents.Add(AuditEvent.Of(actor, now, "config.publish", $"{config.Target}/revisions/{revision.Id}"));
        return await SaveAsync(db, config, ct);
    }

    public async Task<Result<Page<RevisionSummary>>> ListRevisionsAsync(Actor actor, string integrationId, Guid configId, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        if (loaded.Value is not { } config)
        {
            return loaded.Error!;
        }

        var q = db.ConfigRevisions.AsNoTracking().Where(r => r.TenantId == actor.TenantId && r.ConfigId == configId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(r => r.Number).Skip(paging.Skip).Take(paging.Take)
            .Select(r => new { r.Id, r.Number, r.CreatedAt, r.CreatedBy }).ToListAsync(ct);
        return new Page<RevisionSummary>(rows.Select(r => new RevisionSummary(r.Id, r.Number, r.CreatedAt, r.CreatedBy, r.Id == config.Entity.PublishedRevisionId)).ToList(), total);
    }

    public async Task<Result<RevisionView>> GetRevisionAsync(Actor actor, string integrationId, Guid configId, Guid revisionId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        if (loaded.Value is not { } config)
        {
            return loaded.Error!;
        }

        var revision = await FindRevisionAsync(db, actor, configId, revisionId, ct);
        if (revision is null)
        {
            return Error.NotFound($"Revision '{revisionId}' was not found for this config.");
        }

        var content = PortalJson.Deserialize<ConfigContent>(revision.ContentJson);
        var (secretParameters, auth, authMap) = ConfigRules.CredentialStates(config.Metadata, content, _access.CredentialsOf(revision));
        return new RevisionView
        {
            Id = revision.Id,
            ConfigId = configId,
            Number = revision.Number,
            CreatedAt = revision.CreatedAt,
            CreatedBy = revision.CreatedBy,
            Published = revision.Id == config.Entity.PublishedRevisionId,
            DisplayName = content.DisplayName,
            Description = content.Description,
            Parameters = content.Parameters,
            SecretParameters = secretParameters,
            Auth = auth,
            AuthMap = authMap,
            SigningSecretName = content.SigningSecretName,
        };
    }

    /// <summary>Points <c>publishedRevisionId</c> back at an earlier revision and resets the draft to it, so draft and live agree.</summary>
    public Task<Result<ConfigView>> RollbackAsync(Actor actor, string integrationId, Guid configId, Guid revisionId, CancellationToken ct = default) =>
        ConcurrencyRetry.RunAsync(dbFactory, db => RollbackOnceAsync(db, actor, integrationId, configId, revisionId, ct), Resource, ct);

    private async Task<Result<ConfigView>> RollbackOnceAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, Guid revisionId, CancellationToken ct)
    {
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: true, ct, operation: "config.rollback");
        if (loaded.Value is not { } config)
        {
            return loaded.Error!;
        }

        var revision = await FindRevisionAsync(db, actor, configId, revisionId, ct);
        if (revision is null)
        {
            return Error.Validation("revisionId", $"Revision '{revisionId}' is not a revision of this config.");
        }

        var authBefore = config.AuthFingerprint();
        config.ResetTo(revision);
        if (config.AuthFingerprint() != authBefore)
        {
            // The revision's credentials differ from the draft's: they have not been proven, and the draft's OAuth tokens do not apply.
            config.Entity.ResetConnection();
            config.ForgetOAuthTokens();
        }

        config.Entity.PublishedRevisionId = revision.Id;
        config.Entity.ModifiedAt = time.NowMs();
        config.Entity.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, config.Entity.ModifiedAt, "config.rollback", $"{config.Target}/revisions/{revision.Id}"));
        return await SaveAsync(db, config, ct);
    }

    private static Task<ConfigRevision?> FindRevisionAsync(PortalDbContext db, Actor actor, Guid configId, Guid revisionId, CancellationToken ct) =>
        db.ConfigRevisions.AsNoTracking().FirstOrDefaultAsync(r => r.TenantId == actor.TenantId && r.ConfigId == configId && r.Id == revisionId, ct);
}
