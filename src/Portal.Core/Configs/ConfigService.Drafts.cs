using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Configs;

/// <summary>Changing the draft: create, update (merge), delete.</summary>
public sealed partial class ConfigService
{
    public async Task<Result<ConfigView>> CreateAsync(Actor actor, string integrationId, ConfigInput input, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var integration = await _access.IntegrationAsync(db, actor, integrationId, ct);
        if (integration.Value is not { } definition)
        {
            return integration.Error!;
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
            errors.Add("displayName", "Display name is required.");
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
            ContentJson = "{}",
            CreatedAt = now,
            ModifiedAt = now,
            Version = Guid.NewGuid(),
        };
        var created = _access.Of(definition, entity);
        created.SetContent(content);
        created.SetCredentials(credentials);
        db.Configs.Add(entity);
        db.AuditEvents.Add(AuditEvent.Of(actor, now, "config.create", created.Target));
        await db.SaveChangesAsync(ct);
        return ToView(created);
    }

    /// <summary>
    /// Merges <paramref name="input"/> into the draft. Without <paramref name="precondition"/> the last writer wins (a
    /// concurrent internal write is retried); with one, a changed config is a <see cref="ErrorKind.PreconditionFailed"/>.
    /// One unit of work: on SQLite it reads the config in its write turn, so a burst of webhook rotations on the same
    /// config cannot move the version between its read and its save (eight lost races in a row were a 409 under load).
    /// </summary>
    public Task<Result<ConfigView>> UpdateAsync(Actor actor, string integrationId, Guid configId, ConfigInput input, Precondition? precondition = null, CancellationToken ct = default) =>
        dbFactory.RunAsync(db => UpdateOnceAsync(db, actor, integrationId, configId, input, precondition, ct), ct, Resource);

    private async Task<Result<ConfigView>> UpdateOnceAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, ConfigInput input, Precondition? precondition, CancellationToken ct)
    {
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: true, ct, operation: "config.update");
        if ((loaded.Error ?? Precondition.Check(precondition, loaded.Value!.Entity.Version, Resource)) is { } refused)
        {
            return refused;
        }

        var config = loaded.Value!;
        var (content, credentials) = (config.Content, config.Credentials);
        var authBefore = PortalJson.Serialize(new { content.Auth, content.AuthMap });
        var errors = new ValidationErrors();
        ConfigRules.Apply(config.Metadata, content, credentials, input, errors);
        await CheckSigningSecretAsync(db, actor, input, errors, ct);
        if (errors.Any)
        {
            return errors.ToError();
        }

        config.SetContent(content);
        config.SetCredentials(credentials);
        if (authBefore != PortalJson.Serialize(new { content.Auth, content.AuthMap }) || input.Auth is not null || input.AuthMap is not null)
        {
            config.Entity.ResetConnection(); // new credentials have not been proven yet
            config.ForgetOAuthTokens();
        }

        config.Entity.ModifiedAt = time.NowMs();
        config.Entity.Version = Guid.NewGuid();
        db.AuditEvents.Add(AuditEvent.Of(actor, config.Entity.ModifiedAt, "config.update", config.Target));
        return await SaveAsync(db, config, ct);
    }

    public Task<Result<bool>> DeleteAsync(Actor actor, string integrationId, Guid configId, Precondition? precondition = null, CancellationToken ct = default) =>
        ConcurrencyRetry.RunAsync(dbFactory, db => DeleteOnceAsync(db, actor, integrationId, configId, precondition, ct), Resource, ct);

    private async Task<Result<bool>> DeleteOnceAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, Precondition? precondition, CancellationToken ct)
    {
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: true, ct, operation: "config.delete");
        if ((loaded.Error ?? Precondition.Check(precondition, loaded.Value!.Entity.Version, Resource)) is { } refused)
        {
            return refused;
        }

        // The config's webhook URLs (its own and its bindings') stop working with it, in the same transaction.
        using var turn = await StoreWriteGate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.ConfigsForDeleteAsync(actor.TenantId, integrationId, configId, ct);
        await ConfigRemoval.RemoveAsync(db, keys, actor, loaded.Value!.Entity, ct);
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "config.delete", loaded.Value.Target));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
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
}
