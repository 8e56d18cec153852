using System.Data.Common;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Outbound;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;

namespace Portal.Core.Notifications;

/// <summary>The <c>Portal:Notifications</c> section.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Portal:Notifications";

    /// <summary>Whether this instance sends notifications (its background dispatcher runs). Events are recorded either way.</summary>
    public bool Dispatch { get; set; } = true;

    /// <summary>How often the dispatcher looks for due deliveries when nothing woke it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Sends the outbox (DESIGN.md "Notifications"). Each round, in short transactions: fans new outbox rows out to the
/// tenant's enabled endpoints that want them (one delivery each), claims the deliveries that are due for a lease
/// (<c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL, so of several instances each delivery is sent by one), POSTs each as a
/// Standard Webhooks message signed with the endpoint's secrets, and records the attempt with the delivery's next state:
/// done, retried on <see cref="Schedule"/>, or given up. An endpoint whose attempts have all failed for
/// <see cref="DisableAfter"/> is disabled, and the tenant's other endpoints are told.
/// </summary>
public sealed class NotificationDispatcher(
    IDbContextFactory<PortalDbContext> dbFactory, KeyEngine keys, IHttpClientFactory http, IOptions<OutboundOptions> outbound, NotificationSignal signal, TimeProvider time, ILogger<NotificationDispatcher> logger)
{
    /// <summary>The waits after each failed attempt (Svix's schedule): eight attempts in all, the last about 27.5 hours after the first.</summary>
    public static readonly TimeSpan[] Schedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    public static readonly TimeSpan DisableAfter = TimeSpan.FromDays(5);

    /// <summary>Deliveries claimed per round.</summary>
    public const int ClaimBatch = 20;

    private const int FanOutBatch = 100;

    /// <summary>Asks the background dispatcher to look now (an event was just committed on this instance).</summary>
    public void Wake() => signal.Wake();

    internal Task<bool> WaitAsync(TimeSpan interval, CancellationToken ct) => signal.WaitAsync(interval, ct);

    /// <summary>One round: fan out, then send what is due. Returns how many attempts were made.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        while (await FanOutAsync(ct) == FanOutBatch)
        {
        }

        var sent = 0;
        while (true)
        {
            var claimed = await ClaimAsync(ct);
            foreach (var (id, lease) in claimed)
            {
                await DeliverAsync(id, lease, ct);
                sent++;
            }

            if (claimed.Count < ClaimBatch)
            {
                return sent;
            }
        }
    }

    /// <summary>Turns outbox rows into deliveries, once (the row is marked dispatched in the same transaction).</summary>
    private async Task<int> FanOutAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.NotificationMessages.AnyAsync(m => !m.Dispatched, ct))
        {
            return 0; // a read, not a write transaction, when there is nothing to do (every second, on every instance)
        }

        using var turn = await StoreWriteGate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var messages = db.Database.IsNpgsql()
            ? await db.NotificationMessages.FromSqlRaw($"""SELECT * FROM "NotificationMessages" WHERE NOT "Dispatched" ORDER BY "Id" LIMIT {FanOutBatch} FOR UPDATE SKIP LOCKED""").ToListAsync(ct)
            : await db.NotificationMessages.Where(m => !m.Dispatched).OrderBy(m => m.Id).Take(FanOutBatch).ToListAsync(ct);
        if (messages.Count == 0)
        {
            return 0;
        }

        var tenants = messages.Select(m => m.TenantId).Distinct().ToList();
        var endpoints = await db.NotificationEndpoints.AsNoTracking().Where(e => tenants.Contains(e.TenantId) && e.Enabled).ToListAsync(ct);
        var now = time.NowMs();
        foreach (var message in messages)
        {
            var targets = endpoints.Where(e => e.TenantId == message.TenantId
                && (message.OnlyEndpointId is { } only ? e.Id == only : e.Wants(message.EventType)));
            foreach (var endpoint in targets)
            {
                db.NotificationDeliveries.Add(new NotificationDelivery
                {
                    TenantId = message.TenantId,
                    MessageId = message.Id,
                    EndpointId = endpoint.Id,
                    State = DeliveryState.Pending,
                    NextAttemptAt = now,
                    CreatedAt = now,
                });
            }

            message.Dispatched = true;
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return messages.Count;
    }

    /// <summary>Claims due deliveries for a lease; another instance skips them (locked rows, then the lease).</summary>
    private async Task<List<(long Id, long Lease)>> ClaimAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.NowMs();
        var lease = now + (long)(outbound.Value.Timeout + TimeSpan.FromMinutes(1)).TotalMilliseconds;
        if (!await db.NotificationDeliveries.AnyAsync(d => d.State == DeliveryState.Pending && d.NextAttemptAt <= now && (d.LockedUntil == null || d.LockedUntil < now), ct))
        {
            return []; // nothing due: no write transaction
        }

        var postgres = db.Database.IsNpgsql();
        await db.Database.OpenConnectionAsync(ct);
        using var turn = await StoreWriteGate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = tx.GetDbTransaction();
        command.CommandText = $"""
            UPDATE "NotificationDeliveries" SET "LockedUntil" = @lease
            WHERE "Id" IN (
                SELECT "Id" FROM "NotificationDeliveries"
                WHERE "State" = 0 AND "NextAttemptAt" <= @now AND ("LockedUntil" IS NULL OR "LockedUntil" < @now)
                ORDER BY "NextAttemptAt", "Id" LIMIT {ClaimBatch}{(postgres ? " FOR UPDATE SKIP LOCKED" : "")})
            RETURNING "Id"
            """;
        command.AddParameter("lease", lease);
        command.AddParameter("now", now);
        var ids = new List<(long, long)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                ids.Add((reader.GetInt64(0), lease));
            }
        }

        await tx.CommitAsync(ct);
        return ids;
    }

    private async Task DeliverAsync(long deliveryId, long lease, CancellationToken ct)
    {
        NotificationDelivery? delivery;
        NotificationMessage? message;
        NotificationEndpoint? endpoint;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            delivery = await db.NotificationDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId, ct);
            message = delivery is null ? null : await db.NotificationMessages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == delivery.MessageId, ct);
            endpoint = delivery is null ? null : await db.NotificationEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == delivery.EndpointId, ct);
        }

        if (delivery is null || message is null || endpoint is null)
        {
            return; // deleted with its endpoint meanwhile
        }

        // The batch's lease was taken before the deliveries ahead of this one were sent, each up to the outbound timeout:
        // renew it for this send alone, or leave the delivery to the instance that took it over when it ran out.
        if (await RenewAsync(deliveryId, lease, ct) is not { } renewed)
        {
            return;
        }

        lease = renewed;
        var started = time.NowMs();
        var attempt = endpoint.Enabled
            ? await SendAsync(endpoint, message, ct)
            : new Sent(null, 0, null, "Not sent: the endpoint is disabled.", WasSent: false);
        await RecordAsync(delivery, message, endpoint, lease, started, attempt, ct);
    }

    /// <summary>The delivery's lease renewed from now, if it is still this round's; null when another instance took it over or it is done.</summary>
    private async Task<long?> RenewAsync(long deliveryId, long lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.NowMs();
        var renewed = now + (long)(outbound.Value.Timeout + TimeSpan.FromMinutes(1)).TotalMilliseconds;
        using var turn = await StoreWriteGate.EnterAsync(db, ct);
        var kept = await db.NotificationDeliveries
            .Where(d => d.Id == deliveryId && d.State == DeliveryState.Pending && d.LockedUntil == lease)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LockedUntil, renewed), ct);
        return kept == 1 ? renewed : null;
    }

    private sealed record Sent(int? Status, int DurationMs, string? Excerpt, string? Error, bool WasSent = true)
    {
        public bool Succeeded => Status is >= 200 and < 300;
    }

    private async Task<Sent> SendAsync(NotificationEndpoint endpoint, NotificationMessage message, CancellationToken ct)
    {
        var secrets = await keys.RevealUsableAsync(endpoint.TenantId, KeyOwner.ForNotificationEndpoint(endpoint.Id), ct);
        if (secrets.Count == 0)
        {
            return new Sent(null, 0, null, "Not sent: the endpoint has no usable signing secret (revoked or expired); rotate it.", WasSent: false);
        }

        var body = Encoding.UTF8.GetBytes(message.Payload);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("webhook-id", message.WebhookId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", string.Join(' ', secrets.Select(s => StandardWebhookSignature.Sign(s, message.WebhookId, timestamp, body))));
        request.Headers.UserAgent.ParseAdd("Portal-Notifications/1.0");
        request.Options.Set(OutboundHttp.ReadAtMost, NotificationAttempt.ExcerptBytes); // a 2xx with a large body is still a success
        request.Options.Set(OutboundHttp.NoRedirects, true); // a redirect followed as a GET drops the event; a 3xx is a failed attempt

        var watch = Stopwatch.StartNew();
        try
        {
            using var client = http.CreateClient(OutboundHttp.ClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var excerpt = await ExcerptAsync(response, ct);
            return new Sent((int)response.StatusCode, Elapsed(watch), excerpt, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OutboundRefusedException or IOException && !ct.IsCancellationRequested)
        {
            return new Sent(null, Elapsed(watch), null, Describe(e));
        }
    }

    private static int Elapsed(Stopwatch watch) => (int)Math.Min(int.MaxValue, watch.ElapsedMilliseconds);

    private string Describe(Exception e)
    {
        var refused = e as OutboundRefusedException ?? e.InnerException as OutboundRefusedException;
        var text = refused is not null ? refused.Message
            : e is TaskCanceledException ? $"Timed out after {outbound.Value.Timeout.TotalSeconds:0} s without an answer."
            : e.InnerException is SocketException socket ? $"Could not connect: {socket.SocketErrorCode}."
            : e is HttpRequestException { HttpRequestError: var kind } ? $"No answer: {kind}."
            : "No answer.";
        return AuditEvent.Fit(text, NotificationAttempt.ErrorLength)!;
    }

    /// <summary>The first KiB of the answer, as text (never more is read).</summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[NotificationAttempt.ExcerptBytes];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
        {
            read += n;
        }

        if (read == 0)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return text.Replace('\0', '\uFFFD'); // PostgreSQL text cannot hold U+0000
    }

    /// <summary>The attempt, the delivery's next state and the endpoint's failure streak, in one transaction.</summary>
    private async Task RecordAsync(NotificationDelivery claimed, NotificationMessage message, NotificationEndpoint seen, long lease, long at, Sent sent, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        using var turn = await StoreWriteGate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var delivery = await db.NotificationDeliveries.FirstOrDefaultAsync(d => d.Id == claimed.Id, ct);
        var endpoint = await db.NotificationEndpoints.FirstOrDefaultAsync(e => e.Id == seen.Id, ct);
        if (delivery is null || endpoint is null)
        {
            return; // the endpoint was deleted while its event was on the way
        }

        var now = time.NowMs();
        var ours = delivery.LockedUntil == lease && delivery.State == DeliveryState.Pending; // else the lease ran out and another instance took over
        long? next = null;
        if (ours)
        {
            delivery.Attempts++;
            delivery.LockedUntil = null;
            if (sent.Succeeded)
            {
                delivery.State = DeliveryState.Succeeded;
            }
            else if (endpoint.Enabled && sent.WasSent && delivery.Attempts <= Schedule.Length)
            {
                next = now + (long)Schedule[delivery.Attempts - 1].TotalMilliseconds;
                delivery.NextAttemptAt = next.Value;
            }
            else
            {
                delivery.State = DeliveryState.Failed;
            }
        }

        PortalMetrics.NotificationAttempts.Add(1, PortalMetrics.Tag("outcome", sent.Succeeded ? "succeeded" : sent.WasSent ? "failed" : "not_sent"));
        db.NotificationAttempts.Add(new NotificationAttempt
        {
            TenantId = delivery.TenantId,
            DeliveryId = delivery.Id,
            MessageId = message.Id,
            EndpointId = endpoint.Id,
            EventType = message.EventType,
            WebhookId = message.WebhookId,
            AttemptedAt = at,
            Status = sent.Status,
            DurationMs = sent.DurationMs,
            ResponseExcerpt = sent.Excerpt,
            Succeeded = sent.Succeeded,
            Error = sent.Error,
            NextAttemptAt = next,
        });

        if (sent.Succeeded)
        {
            endpoint.FailingSince = null;
        }
        else if (endpoint.Enabled && sent.WasSent)
        {
            endpoint.FailingSince ??= at;
            if (endpoint.Enabled && now - endpoint.FailingSince.Value >= (long)DisableAfter.TotalMilliseconds)
            {
                Disable(db, endpoint, now);
            }
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private void Disable(PortalDbContext db, NotificationEndpoint endpoint, long now)
    {
        var since = DateTimeOffset.FromUnixTimeMilliseconds(endpoint.FailingSince!.Value).ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        endpoint.Enabled = false;
        endpoint.DisabledAt = now;
        endpoint.DisabledReason = $"Every delivery has failed since {since} (5 days); fix the receiver, then enable the endpoint again.";
        db.AuditEvents.Add(AuditEvent.Of(Actor.System(endpoint.TenantId), now, "notificationEndpoint.disabled", NotificationEndpointService.AuditTarget(endpoint.Id)));
        NotificationEvents.Stage(db, endpoint.TenantId, NotificationEvents.EndpointDisabled, now, new Dictionary<string, object?>
        {
            ["endpoint"] = new { id = endpoint.Id, url = NotificationEvents.Shown(endpoint.Url) },
            ["reason"] = endpoint.DisabledReason,
            ["failingSince"] = endpoint.FailingSince,
            ["actor"] = "system",
        });
        logger.LogWarning("Notification endpoint {Endpoint} of tenant {Tenant} disabled after 5 days of failed deliveries.", endpoint.Id, endpoint.TenantId);
    }
}

/// <summary>Runs the <see cref="NotificationDispatcher"/>: at once when woken, otherwise every <see cref="NotificationOptions.PollInterval"/>.</summary>
public sealed class NotificationDispatcherService(NotificationDispatcher dispatcher, IOptions<NotificationOptions> options, ILogger<NotificationDispatcherService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Dispatch)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await dispatcher.RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Notification dispatch round failed ({Reason}); trying again shortly.", e.GetType().Name);
            }

            try
            {
                await dispatcher.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
