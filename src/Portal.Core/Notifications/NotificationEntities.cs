using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Notifications;

/// <summary>
/// Where a tenant's operational webhooks go (DESIGN.md "Notifications"): a URL, the event types it wants (empty = all),
/// and a <c>whsec_</c> signing secret kept by the key engine (owner <c>notify:{id}</c>).
/// </summary>
public sealed class NotificationEndpoint
{
    public const int UrlLength = 2048, EventTypesLength = 1024, ReasonLength = 256;

    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public required string Url { get; set; }

    /// <summary>Space-separated event types; empty means every type.</summary>
    public string EventTypes { get; set; } = "";

    public bool Enabled { get; set; } = true;
    public long CreatedAt { get; set; }

    /// <summary>Since when every attempt to it has failed (null after a success): past five days it is disabled.</summary>
    public long? FailingSince { get; set; }

    public long? DisabledAt { get; set; }
    public string? DisabledReason { get; set; }

    public IReadOnlyList<string> Types => NotificationEvents.Split(EventTypes);

    public bool Wants(string type) => EventTypes.Length == 0 || Types.Contains(type, StringComparer.Ordinal);
}

/// <summary>
/// The outbox: one row per event, written in the same transaction as the change it announces, so an event is never
/// lost when the process dies after the commit and never sent for a change that rolled back. The dispatcher fans a row
/// out to the tenant's endpoints (one <see cref="NotificationDelivery"/> each) once, then marks it dispatched.
/// </summary>
public sealed class NotificationMessage
{
    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string EventType { get; set; }

    /// <summary>The Standard Webhooks <c>webhook-id</c>: the same on every attempt and every resend, so receivers can deduplicate.</summary>
    public required string WebhookId { get; set; }

    public long CreatedAt { get; set; }

    /// <summary>The JSON body sent, exactly (<c>{type, timestamp, data}</c>); never a secret.</summary>
    public required string Payload { get; set; }

    public bool Dispatched { get; set; }

    /// <summary>Set for a test event: it goes to this endpoint only, whatever its event types.</summary>
    public Guid? OnlyEndpointId { get; set; }
}

public enum DeliveryState
{
    Pending = 0,
    Succeeded = 1,
    Failed = 2,
}

/// <summary>One message to one endpoint: attempted until it succeeds or the retry schedule is spent.</summary>
public sealed class NotificationDelivery
{
    public long Id { get; set; }
    public required string TenantId { get; set; }
    public long MessageId { get; set; }
    public Guid EndpointId { get; set; }
    public DeliveryState State { get; set; }

    /// <summary>Attempts made so far (the next one's place in the schedule).</summary>
    public int Attempts { get; set; }

    public long NextAttemptAt { get; set; }

    /// <summary>Claimed by an instance until then (its lease); after it, another instance may take it over.</summary>
    public long? LockedUntil { get; set; }

    public long CreatedAt { get; set; }
}

/// <summary>One HTTP attempt: what the endpoint answered and how long it took.</summary>
public sealed class NotificationAttempt
{
    public const int ExcerptBytes = 1024, ErrorLength = 256;

    public long Id { get; set; }
    public required string TenantId { get; set; }
    public long DeliveryId { get; set; }
    public long MessageId { get; set; }
    public Guid EndpointId { get; set; }
    public required string EventType { get; set; }
    public required string WebhookId { get; set; }
    public long AttemptedAt { get; set; }

    /// <summary>The HTTP status, or null when no answer came (timeout, refused connection, refused address).</summary>
    public int? Status { get; set; }

    public int DurationMs { get; set; }

    /// <summary>The first KiB of the response body, as text.</summary>
    public string? ResponseExcerpt { get; set; }

    public bool Succeeded { get; set; }

    /// <summary>Why no answer came (e.g. "timeout", "connection refused"), in words.</summary>
    public string? Error { get; set; }

    /// <summary>When the delivery is tried again after this failure; null when it succeeded or gave up.</summary>
    public long? NextAttemptAt { get; set; }
}

internal sealed class NotificationEndpointConfiguration : IEntityTypeConfiguration<NotificationEndpoint>
{
    public void Configure(EntityTypeBuilder<NotificationEndpoint> e)
    {
        e.HasKey(x => x.Id);
        e.Property(x => x.TenantId).HasMaxLength(64);
        e.Property(x => x.Url).HasMaxLength(NotificationEndpoint.UrlLength);
        e.Property(x => x.EventTypes).HasMaxLength(NotificationEndpoint.EventTypesLength);
        e.Property(x => x.DisabledReason).HasMaxLength(NotificationEndpoint.ReasonLength);
        e.Ignore(x => x.Types);
        e.HasIndex(x => new { x.TenantId, x.CreatedAt });
    }
}

internal sealed class NotificationMessageConfiguration : IEntityTypeConfiguration<NotificationMessage>
{
    public void Configure(EntityTypeBuilder<NotificationMessage> e)
    {
        e.HasKey(x => x.Id);
        e.Property(x => x.TenantId).HasMaxLength(64);
        e.Property(x => x.EventType).HasMaxLength(64);
        e.Property(x => x.WebhookId).HasMaxLength(64);
        e.HasIndex(x => new { x.Dispatched, x.Id }); // the dispatcher's "not fanned out yet"
    }
}

internal sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<NotificationDelivery> e)
    {
        e.HasKey(x => x.Id);
        e.Property(x => x.TenantId).HasMaxLength(64);
        e.HasOne<NotificationMessage>().WithMany().HasForeignKey(x => x.MessageId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<NotificationEndpoint>().WithMany().HasForeignKey(x => x.EndpointId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(x => new { x.State, x.NextAttemptAt }); // the dispatcher's "due now"
    }
}

internal sealed class NotificationAttemptConfiguration : IEntityTypeConfiguration<NotificationAttempt>
{
    public void Configure(EntityTypeBuilder<NotificationAttempt> e)
    {
        e.HasKey(x => x.Id);
        e.Property(x => x.TenantId).HasMaxLength(64);
        e.Property(x => x.EventType).HasMaxLength(64);
        e.Property(x => x.WebhookId).HasMaxLength(64);
        e.Property(x => x.ResponseExcerpt).HasMaxLength(NotificationAttempt.ExcerptBytes * 4);
        e.Property(x => x.Error).HasMaxLength(NotificationAttempt.ErrorLength);
        e.HasOne<NotificationDelivery>().WithMany().HasForeignKey(x => x.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(x => new { x.TenantId, x.EndpointId, x.Id }); // an endpoint's attempts log, newest first
    }
}
