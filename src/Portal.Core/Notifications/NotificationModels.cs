using System.Text.Json.Serialization;

namespace Portal.Core.Notifications;

/// <summary>Create (POST) and change (PATCH: what is given changes) a notification endpoint.</summary>
public sealed class NotificationEndpointInput
{
    public string? Url { get; set; }

    /// <summary>The event types to send; empty or left out = all.</summary>
    public List<string>? EventTypes { get; set; }

    public bool? Enabled { get; set; }
}

/// <summary>Optional body of <c>:rotateSecret</c>.</summary>
public sealed class NotificationSecretRotateRequest
{
    public int? GracePeriodSeconds { get; set; }
}

/// <summary>An endpoint on the wire (DESIGN.md "Notifications"); <see cref="Secret"/> only in the create and rotate responses.</summary>
public sealed record NotificationEndpointView
{
    public required Guid Id { get; init; }
    public required string Url { get; init; }
    public required IReadOnlyList<string> EventTypes { get; init; }
    public required bool Enabled { get; init; }
    public string? SecretPrefix { get; init; }
    public required long CreatedAt { get; init; }
    public string? DisabledReason { get; init; }
    public long? DisabledAt { get; init; }

    /// <summary>Since when every attempt to it has failed; null while it delivers.</summary>
    public long? FailingSince { get; init; }

    public NotificationAttemptView? LastAttempt { get; init; }

    /// <summary>The <c>whsec_</c> signing secret: in the response that minted it, nowhere else.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }

    /// <summary>After a rotation with a grace period: until when the previous secret also signs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PreviousSecretExpiresAt { get; init; }
}

/// <summary>One attempt on the wire. <c>outcome</c> is <c>succeeded</c>, <c>failed</c>, or <c>pending</c> (failed, and tried again at <c>nextAttemptAt</c>).</summary>
public sealed record NotificationAttemptView(
    long Id, Guid EndpointId, string EventType, string WebhookId, long AttemptedAt, int? Status, int DurationMs, string? ResponseExcerpt, string Outcome, long? NextAttemptAt, string? Error);

/// <summary>What a test event or a resend queued.</summary>
public sealed record NotificationQueued(string WebhookId, Guid EndpointId, string EventType, long NextAttemptAt);

/// <summary>The attempts log's filters.</summary>
public sealed record NotificationAttemptQuery(string? Outcome = null, string? EventType = null);
