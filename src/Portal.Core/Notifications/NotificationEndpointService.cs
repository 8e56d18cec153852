using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Outbound;
using Portal.Core.Tenancy;

namespace Portal.Core.Notifications;

/// <summary>
/// A tenant's notification endpoints (DESIGN.md "Notifications"): create with a <c>whsec_</c> secret shown once, change,
/// rotate the secret, delete, send a test event, read the attempts log, resend. Admins change; Viewers read.
/// Another tenant's endpoint is not found.
/// </summary>
public sealed class NotificationEndpointService(
    IDbContextFactory<PortalDbContext> dbFactory, KeyEngine keys, Refusals refusals, IOptions<OutboundOptions> outbound, NotificationDispatcher dispatcher, TimeProvider time)
{
    /// <summary>The most endpoints a tenant may have.</summary>
    public const int MaxEndpoints = 20;

    public static string AuditTarget(Guid id) => $"notification-endpoints/{id}";

    public async Task<Result<NotificationEndpointView>> CreateAsync(Actor actor, NotificationEndpointInput input, CancellationToken ct = default)
    {
        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "notificationEndpoint.create", "notification-endpoints", ct: ct);
        }

        var errors = new ValidationErrors();
        var url = CheckUrl(input.Url, required: true, errors);
        var types = CheckTypes(input.EventTypes, errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        return await dbFactory.RunAsync<NotificationEndpointView>(async db =>
        {
            if (await db.NotificationEndpoints.CountAsync(e => e.TenantId == actor.TenantId, ct) >= MaxEndpoints)
            {
                return Error.Conflict($"A tenant may have at most {MaxEndpoints} notification endpoints; delete one first.");
            }

            var endpoint = new NotificationEndpoint
            {
                Id = Guid.CreateVersion7(),
                TenantId = actor.TenantId,
                Url = url!,
                EventTypes = string.Join(' ', types),
                Enabled = input.Enabled ?? true,
                CreatedAt = time.NowMs(),
            };
            db.NotificationEndpoints.Add(endpoint);
            var minted = await keys.IssueAsync(db, actor, KeyKind.SigningSecret, KeyOwner.ForNotificationEndpoint(endpoint.Id), IssueMode.First, AuditTarget(endpoint.Id), ct: ct);
            if (!minted.IsSuccess)
            {
                return minted.Error!;
            }

            db.AuditEvents.Add(AuditEvent.Of(actor, endpoint.CreatedAt, "notificationEndpoint.create", AuditTarget(endpoint.Id)));
            return ToView(endpoint, minted.Value!.Secret.DisplayPrefix, null) with { Secret = minted.Value.Secret.Value };
        }, ct);
    }

    /// <summary>A page of the tenant's endpoints, oldest first (a tenant has at most <see cref="MaxEndpoints"/>, so one page of that size is all of them).</summary>
    public async Task<Page<NotificationEndpointView>> ListAsync(Actor actor, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.NotificationEndpoints.AsNoTracking().Where(e => e.TenantId == actor.TenantId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        return new Page<NotificationEndpointView>(await ViewsAsync(db, actor.TenantId, rows, ct), total);
    }

    public async Task<Result<NotificationEndpointView>> GetAsync(Actor actor, string endpointId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await FindAsync(db, actor, endpointId, tracked: false, ct) is not { } endpoint)
        {
            return NotFound(endpointId);
        }

        return (await ViewsAsync(db, actor.TenantId, [endpoint], ct))[0];
    }

    /// <summary>Changes what the input names. Enabling a disabled endpoint clears why it was disabled and its failure streak.</summary>
    public async Task<Result<NotificationEndpointView>> UpdateAsync(Actor actor, string endpointId, NotificationEndpointInput input, CancellationToken ct = default)
    {
        var errors = new ValidationErrors();
        var url = input.Url is null ? null : CheckUrl(input.Url, required: true, errors);
        var types = input.EventTypes is null ? null : CheckTypes(input.EventTypes, errors);
        var result = await dbFactory.RunAsync<NotificationEndpoint>(async db =>
        {
            if (await FindAsync(db, actor, endpointId, tracked: true, ct) is not { } endpoint)
            {
                return NotFound(endpointId);
            }

            if (!actor.IsAdmin)
            {
                return await refusals.ForbiddenAsync(actor, "notificationEndpoint.update", AuditTarget(endpoint.Id), db, ct);
            }

            if (errors.Any)
            {
                return errors.ToError();
            }

            endpoint.Url = url ?? endpoint.Url;
            endpoint.EventTypes = types is null ? endpoint.EventTypes : string.Join(' ', types);
            if (input.Enabled is { } enabled && enabled != endpoint.Enabled)
            {
                endpoint.Enabled = enabled;
                endpoint.DisabledAt = enabled ? null : time.NowMs();
                endpoint.DisabledReason = null; // a reason is kept only when the portal disabled it (the banner's source)
                endpoint.FailingSince = null;
            }

            db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "notificationEndpoint.update", AuditTarget(endpoint.Id)));
            return endpoint;
        }, ct);
        return result.IsSuccess ? await GetAsync(actor, endpointId, ct) : result.Error!;
    }

    /// <summary>Deletes the endpoint, its deliveries and attempts, and revokes its secret, in one transaction.</summary>
    public Task<Result<bool>> DeleteAsync(Actor actor, string endpointId, CancellationToken ct = default) =>
        dbFactory.RunAsync<bool>(async db =>
        {
            if (await FindAsync(db, actor, endpointId, tracked: true, ct) is not { } endpoint)
            {
                return NotFound(endpointId);
            }

            if (!actor.IsAdmin)
            {
                return await refusals.ForbiddenAsync(actor, "notificationEndpoint.delete", AuditTarget(endpoint.Id), db, ct);
            }

            await keys.RevokeAllAsync(db, actor, KeyOwner.ForNotificationEndpoint(endpoint.Id), AuditTarget(endpoint.Id), ct);
            db.NotificationEndpoints.Remove(endpoint);
            db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "notificationEndpoint.delete", AuditTarget(endpoint.Id)));
            return true;
        }, ct);

    /// <summary>A new signing secret, shown once; the previous one signs too until <paramref name="gracePeriodSeconds"/> have passed (0: stops now).</summary>
    public async Task<Result<NotificationEndpointView>> RotateSecretAsync(Actor actor, string endpointId, int gracePeriodSeconds = 0, CancellationToken ct = default)
    {
        var rotated = await dbFactory.RunAsync<(NotificationEndpoint Endpoint, MintedKey Minted)>(async db =>
        {
            if (await FindAsync(db, actor, endpointId, tracked: false, ct) is not { } endpoint)
            {
                return NotFound(endpointId);
            }

            if (!actor.IsAdmin)
            {
                return await refusals.ForbiddenAsync(actor, "notificationEndpoint.rotateSecret", AuditTarget(endpoint.Id), db, ct);
            }

            var minted = await keys.IssueAsync(db, actor, KeyKind.SigningSecret, KeyOwner.ForNotificationEndpoint(endpoint.Id), IssueMode.FirstOrRotate, AuditTarget(endpoint.Id), gracePeriodSeconds, ct: ct);
            return minted.IsSuccess ? (endpoint, minted.Value!) : minted.Error!;
        }, ct);
        if (!rotated.IsSuccess)
        {
            return rotated.Error!;
        }

        var (rotatedEndpoint, mintedKey) = rotated.Value;
        return ToView(rotatedEndpoint, mintedKey.Secret.DisplayPrefix, null) with { Secret = mintedKey.Secret.Value, PreviousSecretExpiresAt = mintedKey.PreviousExpiresAt };
    }

    /// <summary>Queues a <c>notification.test</c> event for this endpoint alone (whatever event types it chose).</summary>
    public async Task<Result<NotificationQueued>> SendTestAsync(Actor actor, string endpointId, CancellationToken ct = default)
    {
        var queued = await dbFactory.RunAsync<NotificationQueued>(async db =>
        {
            if (await FindAsync(db, actor, endpointId, tracked: false, ct) is not { } endpoint)
            {
                return NotFound(endpointId);
            }

            if (!actor.IsAdmin)
            {
                return await refusals.ForbiddenAsync(actor, "notificationEndpoint.test", AuditTarget(endpoint.Id), db, ct);
            }

            if (!endpoint.Enabled)
            {
                return Error.Conflict("The endpoint is disabled; enable it to send it a test event.");
            }

            var now = time.NowMs();
            var message = NotificationEvents.Stage(db, actor.TenantId, NotificationEvents.Test, now, new Dictionary<string, object?>
            {
                ["endpoint"] = new { id = endpoint.Id, url = NotificationEvents.Shown(endpoint.Url) },
                ["actor"] = actor.AuditName,
                ["message"] = "A test event sent from the portal. No key changed.",
            }, endpoint.Id);
            db.AuditEvents.Add(AuditEvent.Of(actor, now, "notificationEndpoint.test", AuditTarget(endpoint.Id)));
            return new NotificationQueued(message.WebhookId, endpoint.Id, NotificationEvents.Test, now);
        }, ct);
        if (queued.IsSuccess)
        {
            dispatcher.Wake();
        }

        return queued;
    }

    /// <summary>An endpoint's attempts, newest first; <c>outcome</c> (succeeded, failed, pending) and <c>eventType</c> filter.</summary>
    public async Task<Result<Page<NotificationAttemptView>>> AttemptsAsync(Actor actor, string endpointId, NotificationAttemptQuery query, Paging paging, CancellationToken ct = default)
    {
        var errors = new ValidationErrors();
        if (query.Outcome is { Length: > 0 } outcome && outcome is not ("succeeded" or "failed" or "pending"))
        {
            errors.Add("outcome", $"'{AuditEvent.Fit(outcome, 64)}' is not an outcome; use succeeded, failed or pending.");
        }

        if (query.EventType is { Length: > 0 } type && type != NotificationEvents.Test && !NotificationEvents.All.Contains(type, StringComparer.Ordinal))
        {
            errors.Add("eventType", $"'{AuditEvent.Fit(type, 64)}' is not an event type; use one of {string.Join(", ", NotificationEvents.All)}.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await FindAsync(db, actor, endpointId, tracked: false, ct) is not { } endpoint)
        {
            return NotFound(endpointId);
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var q = db.NotificationAttempts.AsNoTracking().Where(a => a.TenantId == actor.TenantId && a.EndpointId == endpoint.Id);
        q = query.Outcome switch
        {
            "succeeded" => q.Where(a => a.Succeeded),
            "failed" => q.Where(a => !a.Succeeded && a.NextAttemptAt == null),
            "pending" => q.Where(a => !a.Succeeded && a.NextAttemptAt != null),
            _ => q,
        };
        if (!string.IsNullOrEmpty(query.EventType))
        {
            q = q.Where(a => a.EventType == query.EventType);
        }

        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(a => a.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        return new Page<NotificationAttemptView>(rows.Select(ToView).ToList(), total);
    }

    /// <summary>Sends an attempt's event to its endpoint again, now, with a fresh retry schedule and the same <c>webhook-id</c>.</summary>
    public async Task<Result<NotificationQueued>> ResendAsync(Actor actor, string attemptId, CancellationToken ct = default)
    {
        var queued = await dbFactory.RunAsync<NotificationQueued>(async db =>
        {
            var attempt = long.TryParse(attemptId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                ? await db.NotificationAttempts.AsNoTracking().FirstOrDefaultAsync(a => a.TenantId == actor.TenantId && a.Id == id, ct)
                : null;
            if (attempt is null)
            {
                return Error.NotFound($"Notification attempt '{AuditEvent.Fit(attemptId, 64)}' was not found in this tenant.");
            }

            if (!actor.IsAdmin)
            {
                return await refusals.ForbiddenAsync(actor, "notification.resend", AuditTarget(attempt.EndpointId), db, ct);
            }

            var endpoint = await db.NotificationEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.TenantId == actor.TenantId && e.Id == attempt.EndpointId, ct);
            if (endpoint is null)
            {
                return NotFound(attempt.EndpointId.ToString());
            }

            if (!endpoint.Enabled)
            {
                return Error.Conflict("The endpoint is disabled; enable it before resending to it.");
            }

            var now = time.NowMs();
            db.NotificationDeliveries.Add(new NotificationDelivery
            {
                TenantId = actor.TenantId,
                MessageId = attempt.MessageId,
                EndpointId = endpoint.Id,
                State = DeliveryState.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            });
            db.AuditEvents.Add(AuditEvent.Of(actor, now, "notification.resend", AuditTarget(endpoint.Id)));
            return new NotificationQueued(attempt.WebhookId, endpoint.Id, attempt.EventType, now);
        }, ct);
        if (queued.IsSuccess)
        {
            dispatcher.Wake();
        }

        return queued;
    }

    /// <summary>
    /// The endpoints the portal disabled after five days of failures (the banner's source), read by themselves: one a
    /// person disabled has no reason. A page that has the whole list already uses <see cref="DisabledByPortal"/> instead.
    /// </summary>
    public async Task<IReadOnlyList<NotificationEndpointView>> DisabledAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.NotificationEndpoints.AsNoTracking()
            .Where(e => e.TenantId == actor.TenantId && !e.Enabled && e.DisabledReason != null)
            .OrderBy(e => e.CreatedAt).ThenBy(e => e.Id).ToListAsync(ct);
        return await ViewsAsync(db, actor.TenantId, rows, ct);
    }

    /// <summary>The same rule as <see cref="DisabledAsync"/>, over endpoints already read.</summary>
    public static IReadOnlyList<NotificationEndpointView> DisabledByPortal(IEnumerable<NotificationEndpointView> endpoints) =>
        endpoints.Where(e => !e.Enabled && e.DisabledReason is not null).ToList();

    private static async Task<NotificationEndpoint?> FindAsync(PortalDbContext db, Actor actor, string endpointId, bool tracked, CancellationToken ct)
    {
        if (!Guid.TryParse(endpointId, out var id))
        {
            return null;
        }

        var q = db.NotificationEndpoints.Where(e => e.TenantId == actor.TenantId && e.Id == id);
        return await (tracked ? q : q.AsNoTracking()).FirstOrDefaultAsync(ct);
    }

    private static async Task<List<NotificationEndpointView>> ViewsAsync(PortalDbContext db, string tenant, IReadOnlyList<NotificationEndpoint> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var owners = rows.Select(r => KeyOwner.ForNotificationEndpoint(r.Id)).ToList();
        var active = await KeyEngine.ActiveAsync(db, tenant, owners, ct);
        var ids = rows.Select(r => r.Id).ToList();
        var lastIds = await db.NotificationAttempts.AsNoTracking().Where(a => a.TenantId == tenant && ids.Contains(a.EndpointId))
            .GroupBy(a => a.EndpointId).Select(g => g.Max(a => a.Id)).ToListAsync(ct);
        var last = lastIds.Count == 0 ? [] : await db.NotificationAttempts.AsNoTracking().Where(a => lastIds.Contains(a.Id)).ToListAsync(ct);
        return rows.Select(r => ToView(r, active.GetValueOrDefault(KeyOwner.ForNotificationEndpoint(r.Id))?.KeyPrefix, last.FirstOrDefault(a => a.EndpointId == r.Id))).ToList();
    }

    private static NotificationEndpointView ToView(NotificationEndpoint e, string? secretPrefix, NotificationAttempt? last) => new()
    {
        Id = e.Id,
        Url = e.Url,
        EventTypes = e.Types,
        Enabled = e.Enabled,
        SecretPrefix = secretPrefix,
        CreatedAt = e.CreatedAt,
        DisabledAt = e.DisabledAt,
        DisabledReason = e.DisabledReason,
        FailingSince = e.FailingSince,
        LastAttempt = last is null ? null : ToView(last),
    };

    internal static NotificationAttemptView ToView(NotificationAttempt a) => new(
        a.Id, a.EndpointId, a.EventType, a.WebhookId, a.AttemptedAt, a.Status, a.DurationMs, a.ResponseExcerpt,
        a.Succeeded ? "succeeded" : a.NextAttemptAt is null ? "failed" : "pending", a.NextAttemptAt, a.Error);

    private string? CheckUrl(string? url, bool required, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            if (required)
            {
                errors.Add("url", "url is required: the address the portal POSTs its events to.");
            }

            return null;
        }

        url = url.Trim();
        if (url.Length > NotificationEndpoint.UrlLength)
        {
            errors.Add("url", $"url must be at most {NotificationEndpoint.UrlLength} characters.");
            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || string.IsNullOrEmpty(uri.Host))
        {
            errors.Add("url", "url must be an absolute http or https address, e.g. https://ops.example.com/portal-events.");
            return null;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add("url", "url must not carry a user name or password; the events are signed instead.");
            return null;
        }

        if (!outbound.Value.AllowPrivateNetworks && IsPrivateHost(uri))
        {
            errors.Add("url", $"'{uri.Host}' is a loopback, private or link-local address; the portal only calls public addresses (see Portal:Outbound:AllowPrivateNetworks).");
            return null;
        }

        if (uri.AbsoluteUri.Length > NotificationEndpoint.UrlLength)
        {
            // What is stored is the escaped form, which may be several times longer than what was typed.
            errors.Add("url", $"url must be at most {NotificationEndpoint.UrlLength} characters once escaped (non-ASCII characters take up to 9 each).");
            return null;
        }

        return uri.AbsoluteUri;
    }

    /// <summary>An address literal or <c>localhost</c> refused before anything is stored; a name is checked again at each send, where it is resolved.</summary>
    private static bool IsPrivateHost(Uri uri) =>
        uri.IsLoopback || string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase) || uri.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && OutboundHttp.IsPrivate(address));

    private static List<string> CheckTypes(IReadOnlyList<string>? types, ValidationErrors errors)
    {
        var result = new List<string>();
        foreach (var type in types ?? [])
        {
            if (type is null || !NotificationEvents.All.Contains(type, StringComparer.Ordinal))
            {
                errors.Add("eventTypes", $"'{AuditEvent.Fit(type ?? "null", 64)}' is not an event type; use any of {string.Join(", ", NotificationEvents.All)} (or none for all).");
                continue;
            }

            if (!result.Contains(type, StringComparer.Ordinal))
            {
                result.Add(type);
            }
        }

        return result;
    }

    private static Error NotFound(string id) => Error.NotFound($"Notification endpoint '{AuditEvent.Fit(id, 64)}' was not found in this tenant.");
}
