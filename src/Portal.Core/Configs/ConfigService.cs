using Portal.Core.Audit;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Configs;

/// <summary>
/// Seed 000: configs of an integration, their drafts, revisions, publish and rollback. By operation: reading (this
/// file), changing the draft (<c>ConfigService.Drafts.cs</c>), and publishing (<c>ConfigService.Revisions.cs</c>).
/// Every operation reaches the config through <see cref="ConfigAccess"/>.
/// </summary>
public sealed partial class ConfigService(IDbContextFactory<PortalDbContext> dbFactory, IntegrationService integrations, CredentialProtector protector, KeyEngine keys, Refusals refusals, TimeProvider time)
{
    private const string Resource = "config";
    private readonly ConfigAccess _access = new(integrations, protector, refusals);

    public async Task<Result<Page<ConfigView>>> ListAsync(Actor actor, string integrationId, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await _access.IntegrationAsync(db, actor, integrationId, ct);
        if (integration.Value is not { } definition)
        {
            return integration.Error!;
        }

        var q = db.Configs.AsNoTracking().Where(c => c.TenantId == actor.TenantId && c.IntegrationId == integrationId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        var views = new List<ConfigView>(rows.Count);
        foreach (var row in rows)
        {
            views.Add(await ViewAsync(db, _access.Of(definition, row), ct));
        }

        return new Page<ConfigView>(views, total);
    }

    public async Task<Result<ConfigView>> GetAsync(Actor actor, string integrationId, Guid configId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        return loaded.IsSuccess ? await ViewAsync(db, loaded.Value!, ct) : loaded.Error!;
    }

    /// <summary>Saves; a concurrent write to the row throws <see cref="DbUpdateConcurrencyException"/>, which <see cref="ConcurrencyRetry"/> retries.</summary>
    private static async Task<Result<ConfigView>> SaveAsync(PortalDbContext db, LoadedConfig config, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        return await ViewAsync(db, config, ct);
    }

    /// <summary>The view with the prefix of the config's active webhook key: safe to show, never the key.</summary>
    private static async Task<ConfigView> ViewAsync(PortalDbContext db, LoadedConfig config, CancellationToken ct) =>
        ToView(config, (await KeyEngine.ActiveAsync(db, config.Entity.TenantId, KeyOwner.ForConfig(config.Entity.Id), ct))?.KeyPrefix);

    private static ConfigView ToView(LoadedConfig config, string? webhookKeyPrefix = null)
    {
        var (entity, content) = (config.Entity, config.Content);
        var (secretParameters, auth, authMap) = ConfigRules.CredentialStates(config.Metadata, content, config.Credentials);
        return new ConfigView
        {
            Id = entity.Id,
            IntegrationId = entity.IntegrationId,
            DisplayName = content.DisplayName,
            Description = content.Description,
            Parameters = content.Parameters,
            SecretParameters = secretParameters,
            Auth = auth,
            AuthMap = authMap,
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
}
