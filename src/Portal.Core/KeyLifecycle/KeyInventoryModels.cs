using Portal.Core.Keys;

namespace Portal.Core.KeyLifecycle;

/// <summary>What a key belongs to, and where (in the browser) it is rotated.</summary>
/// <param name="Type"><c>config</c>, <c>binding</c>, <c>signingSecret</c>, <c>mcp</c>, <c>integration</c> or <c>apiClient</c>.</param>
/// <param name="Href">The page where the owner's key is managed, e.g. <c>/t/acme/integrations/stripe?tab=mcp</c>.</param>
public sealed record KeyOwnerRef(string Type, string Id, string DisplayName, string? Href);

/// <summary>Where a secret scanner found the key, and when it was reported.</summary>
public sealed record KeyLeak(string? Url, long ReportedAt);

/// <summary>
/// One key in the inventory (never the secret). <see cref="Status"/> is one of <see cref="KeyStatuses"/>.
/// <see cref="UsesSinceRotation"/> is set on a key that a rotation replaced: the requests it carried since (minute precision across instances).
/// </summary>
public sealed record KeyInventoryItem(
    string Id,
    string Kind,
    string KeyPrefix,
    KeyOwnerRef Owner,
    long CreatedAt,
    long? LastUsedAt,
    long? ExpiresAt,
    long? RotationDueAt,
    long? RevokedAt,
    string Status,
    bool Active,
    long UseCount,
    long? UsesSinceRotation,
    KeyLeak? Leak);

/// <summary>The inventory's statuses: a key shows the first that applies, in this order.</summary>
public static class KeyStatuses
{
    /// <summary>A secret scanner reported it found in public.</summary>
    public const string Leaked = "leaked";

    /// <summary>Revoked, or its grace period is over: refused.</summary>
    public const string Revoked = "revoked";

    /// <summary>A rotation replaced it; it is still accepted until <c>expiresAt</c>.</summary>
    public const string Grace = "grace";

    /// <summary>Past the policy's maximum age (refused when the policy enforces it).</summary>
    public const string Expired = "expired";

    /// <summary>Within the policy's warning days of its maximum age.</summary>
    public const string Due = "due";

    public const string Active = "active";

    /// <summary>A filter, not a status: a usable key with no accepted use in the last <see cref="UnusedDays"/> days.</summary>
    public const string Unused = "unused";

    public const int UnusedDays = 30;

    public static IReadOnlyList<string> Filters { get; } = [Active, Due, Expired, Unused, Leaked, Grace, Revoked];
}

/// <summary>What the inventory lists: a kind (wire name), a status filter, an order.</summary>
/// <param name="Sort"><c>createdAt</c> (default), <c>lastUsedAt</c>, <c>rotationDueAt</c>, <c>kind</c> or <c>keyPrefix</c>; <c>-</c> in front sorts descending.</param>
public sealed record KeyInventoryQuery(string? Kind = null, string? Status = null, string? Sort = null);

/// <summary>The result of rotating a key from the inventory: the only response that carries the new secret.</summary>
/// <param name="Url">For a webhook key: the whole new webhook URL (the key is inside it).</param>
public sealed record KeyRotatedFromInventory(string Kind, string KeyPrefix, string Secret, string? Url, KeyOwnerRef Owner, long? PreviousExpiresAt)
{
    /// <summary>Never prints the secret (nor the URL that holds a webhook key), should the record reach a log line or a message.</summary>
    public override string ToString() => $"KeyRotatedFromInventory {{ Kind = {Kind}, KeyPrefix = {KeyPrefix}, Secret = (redacted) }}";
}

/// <summary>A rotation asked for from the inventory.</summary>
public sealed class KeyRotateRequest
{
    public int? GracePeriodSeconds { get; set; }
}

internal static class KeyOwnerTypes
{
    public static string Of(KeyOwnerKind kind) => kind switch
    {
        KeyOwnerKind.Config => "config",
        KeyOwnerKind.Binding => "binding",
        KeyOwnerKind.SigningSecret => "signingSecret",
        KeyOwnerKind.Mcp => "mcp",
        KeyOwnerKind.Integration => "integration",
        KeyOwnerKind.ApiClient => "apiClient",
        KeyOwnerKind.NotificationEndpoint => "notificationEndpoint",
        _ => "unknown",
    };
}
