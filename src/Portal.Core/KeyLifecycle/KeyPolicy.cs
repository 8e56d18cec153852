using System.Text.Json.Serialization;
using Portal.Core.Keys;

namespace Portal.Core.KeyLifecycle;

/// <summary>What happens when a secret scanner reports a key of this kind found in public.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LeakAction>))]
public enum LeakAction
{
    /// <summary>Revoke the key at once (the default).</summary>
    [JsonStringEnumMemberName("revoke")]
    Revoke = 0,

    /// <summary>Keep it working; flag it on the Keys page and in the audit log.</summary>
    [JsonStringEnumMemberName("notify")]
    Notify = 1,
}

/// <summary>
/// A tenant's age policy for one kind of key (DESIGN.md "Key lifecycle policy"). A kind without a row has the
/// defaults: no maximum age, warn 14 days ahead, not enforced, revoke on leak.
/// </summary>
public sealed class KeyPolicy
{
    public required string TenantId { get; set; }
    public KeyKind Kind { get; set; }

    /// <summary>Days a key may live from its creation; null = no limit.</summary>
    public int? MaxAgeDays { get; set; }

    /// <summary>Days before <see cref="MaxAgeDays"/> is reached that a key shows "rotation due".</summary>
    public int WarnDays { get; set; } = KeyPolicyRules.DefaultWarnDays;

    /// <summary>True: a key past its age is refused (audited). False: it keeps working and is flagged.</summary>
    public bool Enforce { get; set; }

    public LeakAction OnLeak { get; set; }

    public long ModifiedAt { get; set; }
}

/// <summary>One kind's policy as the API and pages show it.</summary>
public sealed record KeyKindPolicy(int? MaxAgeDays, int WarnDays, bool Enforce, LeakAction OnLeak)
{
    public static KeyKindPolicy Default { get; } = new(null, KeyPolicyRules.DefaultWarnDays, false, LeakAction.Revoke);

    /// <summary>When a key created at <paramref name="createdAt"/> reaches its age; null without a maximum age.</summary>
    public long? DueAt(long createdAt) => MaxAgeDays is { } days ? createdAt + (days * KeyPolicyRules.DayMs) : null;

    /// <summary>From when the key shows "rotation due".</summary>
    public long? WarnFrom(long createdAt) => DueAt(createdAt) is { } due ? due - (Math.Min(WarnDays, MaxAgeDays ?? 0) * KeyPolicyRules.DayMs) : null;

    /// <summary>Keys created at or before this are past their age at <paramref name="now"/> (the store-side form of <see cref="DueAt"/>); null without a maximum age.</summary>
    public long? ExpiredIfCreatedBy(long now) => MaxAgeDays is { } days ? now - (days * KeyPolicyRules.DayMs) : null;

    /// <summary>Keys created at or before this are "rotation due" at <paramref name="now"/> (the store-side form of <see cref="WarnFrom"/>).</summary>
    public long? DueIfCreatedBy(long now) => MaxAgeDays is { } days ? now - ((days - Math.Min(WarnDays, days)) * KeyPolicyRules.DayMs) : null;

    /// <summary>Whether a key created then is refused now: an enforced policy and an age past the maximum.</summary>
    public bool Refuses(long createdAt, long now) => Enforce && DueAt(createdAt) is { } due && due <= now;
}

/// <summary>One field of a policy update; null fields keep the stored value (<see cref="MaxAgeDays"/> clears with <see cref="ClearMaxAge"/>).</summary>
public sealed class KeyKindPolicyInput
{
    public int? MaxAgeDays { get; set; }
    public int? WarnDays { get; set; }
    public bool? Enforce { get; set; }
    public LeakAction? OnLeak { get; set; }

    /// <summary>Set by the reader when the body said <c>"maxAgeDays": null</c> explicitly.</summary>
    [JsonIgnore]
    public bool ClearMaxAge { get; set; }
}

public static class KeyPolicyRules
{
    public const int DefaultWarnDays = 14;
    public const int MaxDays = 3650;
    public const long DayMs = 24L * 3600 * 1000;
}
