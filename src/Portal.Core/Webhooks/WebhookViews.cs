using System.Text.Json.Serialization;
using Portal.Core.Common;
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

/// <summary>What is known of a received event's signature: <c>status</c> is VERIFIED, NOT_CHECKED or NOT_RECORDED.</summary>
public sealed record WebhookSignatureView(string Status, string? SigningSecretName, string Detail);

public static class WebhookSignatureStatus
{
    public const string Verified = "VERIFIED";
    public const string NotChecked = "NOT_CHECKED";
    public const string NotRecorded = "NOT_RECORDED";

    public static WebhookSignatureView View(string? check, string? signingSecretName) => check switch
    {
        Verified => new(Verified, signingSecretName, $"Standard Webhooks signature verified with the signing secret '{signingSecretName}'."),
        NotChecked => new(NotChecked, null, "Not checked: no signing secret was attached to the config when this event arrived."),
        _ => new(NotRecorded, null, "Not recorded: this event arrived before the portal recorded signature checks."),
    };
}

/// <summary>
/// One received event in full (the inbox's detail): its headers as kept (null when received before headers were kept),
/// what is known of its signature, and the body as in the list (text when utf8, else base64).
/// Deliveries whose signature failed are refused with 401 and never stored.
/// </summary>
public sealed record WebhookEventDetail(
    long Id, string WebhookId, long ReceivedAt, string? ContentType, Guid? BindingId,
    IReadOnlyList<WebhookHeader>? Headers, WebhookSignatureView Signature,
    string Body, string BodyEncoding, int BodyBytes);

/// <summary>The inbox filters: received time (from inclusive, to exclusive, epoch ms) and media type (<c>application/json</c>, parameters ignored).</summary>
public sealed record WebhookEventQuery(long? From = null, long? To = null, string? ContentType = null)
{
    public bool IsEmpty => From is null && To is null && string.IsNullOrEmpty(ContentType);

    /// <summary>Reads the query string's values strictly (400 naming the parameter); the page reads its URL the same way.</summary>
    public static Result<(WebhookEventQuery Query, Paging Paging)> Parse(string? from, string? to, string? contentType, int? skip = null, int? take = null)
    {
        var filters = new ListFilters();
        var query = new WebhookEventQuery(filters.Instant("from", from), filters.Instant("to", to), filters.Text("contentType", contentType) is { } t ? WebhookBodyText.MediaType(t) : null);
        filters.Range(query.From, query.To);
        var paging = filters.Paging(skip, take);
        return filters.Valid ? (query, paging) : filters.ToError();
    }
}

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
    string? Ip,
    IEnumerable<KeyValuePair<string, string>>? Headers = null)
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
