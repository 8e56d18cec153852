using System.Text.Json.Serialization;
using Portal.Core.Keys;

namespace Portal.Core.Webhooks;

/// <summary>The one response that carries a webhook URL (seed 000): <c>{webhookUrl, webhookKeyPrefix}</c>.</summary>
public sealed record WebhookUrlIssued
{
    public required string WebhookUrl { get; init; }
    public required string WebhookKeyPrefix { get; init; }

    /// <summary>Only after a rotation with a grace period: when the previous URL stops working (epoch ms).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PreviousKeyExpiresAt { get; init; }

    public override string ToString() => $"WebhookUrlIssued {{ WebhookKeyPrefix = {WebhookKeyPrefix} }}";
}

/// <summary>Body of a rotate: an optional grace period for the previous key (0 = it stops now, the default).</summary>
public sealed record WebhookRotateRequest(int? GracePeriodSeconds);

public sealed record WebhookBindingInput(string? Name);

/// <summary>A per-binding webhook endpoint as lists show it: never the key, only its prefix and times.</summary>
public sealed record WebhookBindingView(Guid Id, Guid ConfigId, string Name, long CreatedAt, string? WebhookKeyPrefix, KeyInfo? Key);

/// <summary>
/// A received event (inbox): <c>body</c> is the received text when <c>bodyEncoding</c> is <c>utf8</c>, else the bytes in
/// base64 (see <see cref="WebhookBodyText"/>); <c>bodyBytes</c> is the size as received.
/// </summary>
public sealed record WebhookEventView(long Id, string WebhookId, long ReceivedAt, string? ContentType, string Body, string BodyEncoding, int BodyBytes, Guid? BindingId);

/// <summary>A received event's body as stored, for download.</summary>
public sealed record WebhookEventBody(long Id, string WebhookId, string? ContentType, byte[] Body)
{
    public override string ToString() => $"WebhookEventBody {{ Id = {Id}, Bytes = {Body.Length} }}";
}

/// <summary>What an inbound delivery carries, without any HTTP type.</summary>
public sealed record InboundWebhook(
    string Tenant,
    string Integration,
    string Key,
    Stream Body,
    long? ContentLength,
    string? ContentType,
    string? WebhookId,
    string? WebhookTimestamp,
    string? WebhookSignature,
    string? Ip)
{
    public override string ToString() => $"InboundWebhook {{ Tenant = {Tenant}, Integration = {Integration} }}";
}

public enum WebhookReceipt
{
    Accepted,
    Duplicate,
    NotFound,
    TooLarge,
    Unauthorized,

    /// <summary>The ingest queue is full: retry shortly (503 with Retry-After). Nothing was stored.</summary>
    Busy,
}
