namespace Portal.Core.Webhooks;

/// <summary>A per-binding webhook endpoint of a config, for integrations with <c>webhookOwnership: PER_BINDING</c>.</summary>
public sealed class WebhookBinding
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public Guid ConfigId { get; set; }
    public required string Name { get; set; }
    public long CreatedAt { get; set; }
}

/// <summary>An inbound webhook delivery, stored before the 202.</summary>
public sealed class WebhookEvent
{
    public long Id { get; set; }
    public required string TenantId { get; set; }
    public required string IntegrationId { get; set; }
    public Guid ConfigId { get; set; }
    /// <summary>The per-binding endpoint the event came through; <see cref="Guid.Empty"/> for the config's own URL (non-null, so the unique index holds).</summary>
    public Guid BindingId { get; set; }

    /// <summary>The sender's <c>webhook-id</c> (or a generated one): a repeat is acknowledged without a second row.</summary>
    public required string WebhookId { get; set; }
    public long ReceivedAt { get; set; }
    public string? ContentType { get; set; }

    /// <summary>The body bytes exactly as received (providers post JSON, forms, XML, text and binary alike).</summary>
    public required byte[] Body { get; set; }
}
