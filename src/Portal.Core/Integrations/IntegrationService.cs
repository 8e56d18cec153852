using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Integrations;

/// <summary>Seed 001: create, list, get, update and delete integrations of a tenant (how the row is written and shown: <c>IntegrationService.Stored.cs</c>).</summary>
public sealed partial class IntegrationService(IDbContextFactory<PortalDbContext> dbFactory, CredentialProtector protector, KeyEngine keys, Refusals refusals, TimeProvider time)
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
        await SyncTagsAsync(db, entity, ct);
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
            // The tag's rows (an index search on TenantId, Tag), then those integrations by their key.
            var tag = query.Tag.Trim();
            var tagged = db.Set<IntegrationTag>().Where(t => t.TenantId == actor.TenantId && t.Tag == tag).Select(t => t.IntegrationId);
            q = q.Where(i => tagged.Contains(i.Id));
        }

        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var text = query.Text.Trim().ToLowerInvariant();
            q = q.Where(i => i.SearchText.Contains(text));
        }

        // Unfiltered, the total is one row kept by triggers (IntegrationCount), not a count of the tenant's integrations;
        // the page walks the primary key (TenantId, Id) in order. A tag filter counts the tag's index entries; the text
        // filter is a substring match: it reads the tenant's rows (bounded by one tenant) and counts what matched.
        var total = string.IsNullOrWhiteSpace(query.Tag) && string.IsNullOrWhiteSpace(query.Text)
            ? (int)await db.Set<IntegrationCount>().Where(c => c.TenantId == actor.TenantId).SumAsync(c => c.Count, ct)
            : await q.CountAsync(ct);
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
        var loaded = await LoadForChangeAsync(db, actor, "integration.update", id, precondition, ct);
        if (loaded.Value is not { } entity)
        {
            return loaded.Error!;
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
        await SyncTagsAsync(db, entity, ct);
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
        var loaded = await LoadForChangeAsync(db, actor, "integration.delete", id, precondition, ct);
        if (loaded.Value is not { } entity)
        {
            return loaded.Error!;
        }

        using var turn = await StoreWriteGate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.ConfigsForDeleteAsync(actor.TenantId, id, null, ct);
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

    /// <summary>The integration to change, tracked: 404 when the tenant has none by that id, then 403 for a Viewer, then the caller's precondition (412).</summary>
    private async Task<Result<Integration>> LoadForChangeAsync(PortalDbContext db, Actor actor, string operation, string id, Precondition? precondition, CancellationToken ct)
    {
        var entity = await db.Integrations.FirstOrDefaultAsync(i => i.TenantId == actor.TenantId && i.Id == id, ct);
        if (entity is null)
        {
            return NotFound(id);
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, operation, $"integrations/{id}", db, ct);
        }

        return Precondition.Check(precondition, entity.Version, Resource) is { } failed ? failed : entity;
    }

    /// <summary>The integration's metadata with its credentials, for Core services that act on it (configs, verification). Never for a response.</summary>
    internal Task<IntegrationDefinition?> LoadDefinitionAsync(PortalDbContext db, string tenantId, string id, CancellationToken ct) =>
        IntegrationDefinition.LoadAsync(db, protector, tenantId, id, ct);

    /// <summary>The tools of an integration row.</summary>
    public static List<IntegrationTool> ToolsOf(Integration entity) =>
        string.IsNullOrEmpty(entity.ToolsJson) ? [] : PortalJson.Deserialize<List<IntegrationTool>>(entity.ToolsJson);

    private const string Resource = "integration";

    internal static Error NotFound(string id) => Error.NotFound($"Integration '{id}' was not found in this tenant.");
}
