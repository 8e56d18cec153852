using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.Webhooks;

/// <summary>Seed 000's webhook URLs: the first key, rotation, per-binding endpoints, the key list and the inbox of a config.</summary>
public sealed class WebhookService(IDbContextFactory<PortalDbContext> dbFactory, IntegrationService integrations, CredentialProtector protector, KeyEngine keys, Refusals refusals, IOptions<PortalOptions> options, TimeProvider time)
{
    public const int MaxBindingNameLength = 100;
    private readonly ConfigAccess _access = new(integrations, protector, refusals);

    /// <summary>The URL a provider posts to: <c>{PublicBaseUrl}/webhooks/{tenant}/{integration}/{key}</c>.</summary>
    public string WebhookUrl(string requestBaseUrl, string tenant, string integration, string key) =>
        $"{(options.Value.PublicBaseUrl is { Length: > 0 } configured ? configured : requestBaseUrl).TrimEnd('/')}/webhooks/{Uri.EscapeDataString(tenant)}/{Uri.EscapeDataString(integration)}/{key}";

    public Task<Result<WebhookUrlIssued>> GenerateUrlAsync(Actor actor, string integrationId, Guid configId, string requestBaseUrl, CancellationToken ct = default) =>
        dbFactory.RunAsync(async db =>
        {
            var target = await ConfigTargetAsync(db, actor, ("key.mint", "/webhook"), integrationId, configId, WebhookOwnership.Config, "this integration declares webhookOwnership PER_BINDING, so generate a webhook URL for each binding instead", ct);
            return target.IsSuccess
                ? await IssueAsync(db, actor, integrationId, KeyOwner.ForConfig(configId), IssueMode.First, target.Value!, 0, requestBaseUrl, ct)
                : target.Error!;
        }, ct);

    /// <summary>Mints a fresh key, binds it to the config and revokes the previous one (now, or after the grace period), in one transaction.</summary>
    public Task<Result<WebhookUrlIssued>> RotateAsync(Actor actor, string integrationId, Guid configId, int gracePeriodSeconds, string requestBaseUrl, CancellationToken ct = default) =>
        dbFactory.RunAsync(async db =>
        {
            var target = await ConfigTargetAsync(db, actor, ("key.rotate", "/webhook"), integrationId, configId, WebhookOwnership.Config,
                "this integration declares webhookOwnership PER_BINDING, so rotate per binding: rotate the webhook key of each binding instead", ct);
            return target.IsSuccess
                ? await IssueAsync(db, actor, integrationId, KeyOwner.ForConfig(configId), IssueMode.Rotate, target.Value!, gracePeriodSeconds, requestBaseUrl, ct)
                : target.Error!;
        }, ct);

    public async Task<Result<WebhookBindingView>> CreateBindingAsync(Actor actor, string integrationId, Guid configId, WebhookBindingInput input, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var target = await ConfigTargetAsync(db, actor, ("webhook.binding.create", "/bindings"), integrationId, configId, WebhookOwnership.PerBinding,
            "this integration declares webhookOwnership CONFIG, so generate the config's own webhook URL instead", ct);
        if (!target.IsSuccess)
        {
            return target.Error!;
        }

        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxBindingNameLength)
        {
            return Error.Validation("name", $"name is required and at most {MaxBindingNameLength} characters.");
        }

        if (await db.WebhookBindings.AnyAsync(b => b.TenantId == actor.TenantId && b.ConfigId == configId && b.Name == name, ct))
        {
            return Error.Conflict($"A binding named '{name}' exists already on this config.");
        }

        var binding = new WebhookBinding { Id = Guid.CreateVersion7(), TenantId = actor.TenantId, ConfigId = configId, Name = name, CreatedAt = time.NowMs() };
        db.WebhookBindings.Add(binding);
        db.AuditEvents.Add(AuditEvent.Of(actor, binding.CreatedAt, "webhook.binding.create", $"{target.Value}/bindings/{binding.Id}"));
        await db.SaveChangesAsync(ct);
        return new WebhookBindingView(binding.Id, configId, binding.Name, binding.CreatedAt, null, null);
    }

    /// <summary>A page of the config's bindings, oldest first, each with its key in force (one query for the page's keys).</summary>
    public async Task<Result<Page<WebhookBindingView>>> ListBindingsAsync(Actor actor, string integrationId, Guid configId, Paging? paging = null, CancellationToken ct = default)
    {
        var page = paging ?? Paging.From(null, null);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var q = db.WebhookBindings.AsNoTracking().Where(b => b.TenantId == actor.TenantId && b.ConfigId == configId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(b => b.CreatedAt).ThenBy(b => b.Id).Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        var keys = await KeyEngine.ActiveAsync(db, actor.TenantId, rows.Select(b => KeyOwner.ForBinding(b.Id)).ToList(), ct); // one query for the page
        var views = rows.Select(b =>
        {
            var key = keys.GetValueOrDefault(KeyOwner.ForBinding(b.Id));
            return new WebhookBindingView(b.Id, b.ConfigId, b.Name, b.CreatedAt, key?.KeyPrefix, key);
        }).ToList();
        return new Page<WebhookBindingView>(views, total);
    }

    /// <summary>Deletes a binding; its keys are revoked in the same unit of work, so its URL stops working at once.</summary>
    public async Task<Result<bool>> DeleteBindingAsync(Actor actor, string integrationId, Guid configId, Guid bindingId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (binding, error) = await LoadBindingAsync(db, actor, integrationId, configId, bindingId, ct);
        if (error is not null)
        {
            return error;
        }

        var target = $"{LoadedConfig.ConfigTarget(integrationId, configId)}/bindings/{bindingId}";
        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "webhook.binding.delete", target, db, ct);
        }

        using var turn = await StoreWriteGate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await keys.RevokeAllAsync(db, actor, KeyOwner.ForBinding(bindingId), target, ct);
        db.WebhookBindings.Remove(binding!);
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "webhook.binding.delete", target));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    public Task<Result<WebhookUrlIssued>> GenerateBindingUrlAsync(Actor actor, string integrationId, Guid configId, Guid bindingId, string requestBaseUrl, CancellationToken ct = default) =>
        IssueForBindingAsync(actor, integrationId, configId, bindingId, IssueMode.First, 0, requestBaseUrl, ct);

    public Task<Result<WebhookUrlIssued>> RotateBindingUrlAsync(Actor actor, string integrationId, Guid configId, Guid bindingId, int gracePeriodSeconds, string requestBaseUrl, CancellationToken ct = default) =>
        IssueForBindingAsync(actor, integrationId, configId, bindingId, IssueMode.Rotate, gracePeriodSeconds, requestBaseUrl, ct);

    /// <summary>Every webhook key the config has had, newest first: prefix, created, last used, expires, revoked.</summary>
    public async Task<Result<Page<KeyInfo>>> ListKeysAsync(Actor actor, string integrationId, Guid configId, Paging? paging = null, CancellationToken ct = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
            if (!loaded.IsSuccess)
            {
                return loaded.Error!;
            }
        }

        return await keys.PageAsync(actor.TenantId, KeyOwner.ForConfig(configId), paging ?? Paging.From(null, null), ct);
    }

    /// <summary>The received events of a config (its own URL and its bindings), newest first, optionally filtered.</summary>
    public Task<Result<Page<WebhookEventView>>> ListEventsAsync(Actor actor, string integrationId, Guid configId, Paging paging, CancellationToken ct = default) =>
        ListEventsAsync(actor, integrationId, configId, new WebhookEventQuery(), paging, ct);

    /// <summary>
    /// The received events of a config that match <paramref name="query"/>, newest first (received time, then id). The
    /// unfiltered total is kept by triggers (WebhookEventCount), a filtered one is counted in the filter's index; the page's
    /// ids come from the index that starts with the filter, the offset walked there, and only the page's rows (with their
    /// bodies) are read from the table.
    /// </summary>
    public async Task<Result<Page<WebhookEventView>>> ListEventsAsync(Actor actor, string integrationId, Guid configId, WebhookEventQuery query, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var filtered = FilteredEvents(db, actor.TenantId, configId, query);
        var total = query.IsEmpty
            ? (int)await db.Set<WebhookEventCount>().Where(c => c.TenantId == actor.TenantId && c.ConfigId == configId).SumAsync(c => c.Count, ct)
            : await filtered.CountAsync(ct);
        var ids = filtered.OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id).Skip(paging.Skip).Take(paging.Take).Select(e => e.Id);
        // By primary key only: the ids already come from this tenant's config, and a tenant condition here would make
        // SQLite walk the tenant's index entries instead of the page's keys. The page's few rows are put in order here.
        var rows = await db.WebhookEvents.AsNoTracking().Where(e => ids.Contains(e.Id)).ToListAsync(ct);
        return new Page<WebhookEventView>(rows.OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id).Select(ToView).ToList(), total);
    }

    /// <summary>The id of the newest event that matches (one seek in the filter's index): what an open inbox polls while live.</summary>
    public async Task<Result<long?>> NewestEventIdAsync(Actor actor, string integrationId, Guid configId, WebhookEventQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var ids = await FilteredEvents(db, actor.TenantId, configId, query).OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id).Select(e => e.Id).Take(1).ToListAsync(ct);
        return ids.Count == 0 ? (long?)null : ids[0];
    }

    /// <summary>The config's events that match the filter (exposed to the query plan tests).</summary>
    internal static IQueryable<WebhookEvent> FilteredEvents(PortalDbContext db, string tenantId, Guid configId, WebhookEventQuery query)
    {
        var q = db.WebhookEvents.AsNoTracking().Where(e => e.TenantId == tenantId && e.ConfigId == configId);
        if (!string.IsNullOrEmpty(query.ContentType))
        {
            q = q.Where(e => e.MediaType == query.ContentType);
        }

        if (query.From is { } from)
        {
            q = q.Where(e => e.ReceivedAt >= from);
        }

        if (query.To is { } to)
        {
            q = q.Where(e => e.ReceivedAt < to);
        }

        return q;
    }

    /// <summary>One received event in full: headers as kept, what is known of its signature, the body; Viewers may read.</summary>
    public async Task<Result<WebhookEventDetail>> GetEventAsync(Actor actor, string integrationId, Guid configId, long eventId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var e = await db.WebhookEvents.AsNoTracking().FirstOrDefaultAsync(e => e.TenantId == actor.TenantId && e.ConfigId == configId && e.Id == eventId, ct);
        if (e is null)
        {
            return Error.NotFound($"Webhook event {eventId} was not found on this config.");
        }

        var (body, encoding) = WebhookBodyText.Render(e.ContentType, e.Body);
        return new WebhookEventDetail(e.Id, e.WebhookId, e.ReceivedAt, e.ContentType, e.BindingId == Guid.Empty ? null : e.BindingId,
            WebhookHeaders.Read(e.Headers), WebhookSignatureStatus.View(e.SignatureCheck, e.SigningSecretName), body, encoding, e.Body.Length);
    }

    /// <summary>One received event's body bytes and content type, exactly as stored (for download); Viewers may read.</summary>
    public async Task<Result<WebhookEventBody>> GetEventBodyAsync(Actor actor, string integrationId, Guid configId, long eventId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var row = await db.WebhookEvents.AsNoTracking()
            .Where(e => e.TenantId == actor.TenantId && e.ConfigId == configId && e.Id == eventId)
            .Select(e => new WebhookEventBody(e.Id, e.WebhookId, e.ContentType, e.Body))
            .FirstOrDefaultAsync(ct);
        return row is null ? Error.NotFound($"Webhook event {eventId} was not found on this config.") : row;
    }

    private static WebhookEventView ToView(WebhookEvent e)
    {
        var (body, encoding) = WebhookBodyText.Render(e.ContentType, e.Body);
        return new WebhookEventView(e.Id, e.WebhookId, e.ReceivedAt, e.ContentType, body, encoding, e.Body.Length, e.BindingId == Guid.Empty ? null : e.BindingId);
    }

    private Task<Result<WebhookUrlIssued>> IssueForBindingAsync(Actor actor, string integrationId, Guid configId, Guid bindingId, IssueMode mode, int gracePeriodSeconds, string requestBaseUrl, CancellationToken ct) =>
        dbFactory.RunAsync(async db =>
        {
            var (_, error) = await LoadBindingAsync(db, actor, integrationId, configId, bindingId, ct);
            return error is not null
                ? error
                : await IssueAsync(db, actor, integrationId, KeyOwner.ForBinding(bindingId), mode, $"{LoadedConfig.ConfigTarget(integrationId, configId)}/bindings/{bindingId}", gracePeriodSeconds, requestBaseUrl, ct);
        }, ct);

    /// <summary>Stages the key on the operation's context: it is saved with the rest of the operation, or not at all.</summary>
    private async Task<Result<WebhookUrlIssued>> IssueAsync(PortalDbContext db, Actor actor, string integrationId, KeyOwner owner, IssueMode mode, string configTarget, int gracePeriodSeconds, string requestBaseUrl, CancellationToken ct)
    {
        var target = owner.Kind == KeyOwnerKind.Binding ? configTarget : $"{configTarget}/webhook";
        var minted = await keys.IssueAsync(db, actor, KeyKind.WebhookKey, owner, mode, target, gracePeriodSeconds, ct: ct);
        if (!minted.IsSuccess)
        {
            return minted.Error!.Kind == ErrorKind.BadRequest && mode == IssueMode.Rotate
                ? Error.BadRequest("No webhook key is bound yet, so there is nothing to rotate: generate the webhook URL first.")
                : minted.Error!.Kind == ErrorKind.Conflict
                    ? Error.Conflict("A webhook key is bound already: rotate the webhook key to replace it.")
                    : minted.Error;
        }

        return new WebhookUrlIssued
        {
            WebhookUrl = WebhookUrl(requestBaseUrl, actor.TenantId, integrationId, minted.Value!.Secret.Value),
            WebhookKeyPrefix = minted.Value.Secret.DisplayPrefix,
            PreviousKeyExpiresAt = minted.Value.PreviousExpiresAt,
        };
    }

    /// <summary>Resolves the config (404) and the role (403) through <see cref="ConfigAccess"/>, then the integration's ownership (400 with what to do instead); the audit target on success.</summary>
    private async Task<Result<string>> ConfigTargetAsync(PortalDbContext db, Actor actor, (string Operation, string TargetSuffix) refused, string integrationId, Guid configId, WebhookOwnership required, string otherwise, CancellationToken ct)
    {
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: true, ct, operation: refused.Operation, targetSuffix: refused.TargetSuffix);
        if (loaded.Value is not { } config)
        {
            return loaded.Error!;
        }

        return config.WebhookOwnership == required
            ? config.Target
            : Error.BadRequest($"Not available for this integration: {otherwise}.");
    }

    private async Task<(WebhookBinding? Binding, Error? Error)> LoadBindingAsync(PortalDbContext db, Actor actor, string integrationId, Guid configId, Guid bindingId, CancellationToken ct)
    {
        var loaded = await _access.LoadAsync(db, actor, integrationId, configId, forWrite: false, ct);
        if (loaded.Value is not { } config)
        {
            return (null, loaded.Error);
        }

        var binding = await db.WebhookBindings.FirstOrDefaultAsync(b => b.TenantId == actor.TenantId && b.ConfigId == configId && b.Id == bindingId, ct);
        if (binding is null)
        {
            return (null, Error.NotFound($"Binding '{bindingId}' was not found on this config."));
        }

        return config.WebhookOwnership == WebhookOwnership.PerBinding
            ? (binding, null)
            : (null, Error.BadRequest("Not available for this integration: it declares webhookOwnership CONFIG, so use the config's own URL."));
    }
}
