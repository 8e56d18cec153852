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

    /// <summary>The content type's media type, lower case, without parameters (<c>application/json</c>): what the inbox filters on.</summary>
    public string? MediaType { get; set; }

    /// <summary>The request headers as kept (<see cref="WebhookHeaders"/>: bounded, credentials redacted); null on events received before they were kept.</summary>
    public string? Headers { get; set; }

    /// <summary>What the receiver checked: <see cref="WebhookSignatureStatus.Verified"/> or <see cref="WebhookSignatureStatus.NotChecked"/>; null on events received before it was recorded.</summary>
    public string? SignatureCheck { get; set; }

    /// <summary>The signing secret that verified the signature (when <see cref="SignatureCheck"/> is verified).</summary>
    public string? SigningSecretName { get; set; }

    /// <summary>The body bytes exactly as received (providers post JSON, forms, XML, text and binary alike).</summary>
    public required byte[] Body { get; set; }
}
